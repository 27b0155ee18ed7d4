"""A fixed AuditResult that exercises every section of every report, and its invariants.

The reporters' golden files and the browser test render it. It has a finding of each
stage (static, probe with a reproducer, plan with an EXPLAIN tree, lint with a marked
reference), one suppressed, one inconclusive, and text that must be escaped.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.audit import AuditResult, RunInfo
from harness.catalog.model import (
    Catalog,
    Column,
    Function,
    Grant,
    Index,
    Policy,
    Role,
    Table,
)
from harness.findings import (
    Applicability,
    Category,
    Check,
    Evidence,
    Finding,
    Location,
    ObjectRef,
    Outcome,
    Remediation,
    Severity,
    sort_findings,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SCHEMA = "tests/snapshots/sample_schema"
"""Relative to the repository root: tests that render locations chdir there."""

_DOC = """{title}

    Why it matters:
        {why}

    Anti-pattern:
        {bad}

    Best practice:
        {good}
    """


def _check(cid: str, name: str, sev: Severity, cat: Category, title: str, why: str) -> type[Check]:
    doc = _DOC.format(title=title, why=why, bad="(sample)", good="(sample)")
    return type(
        f"Sample{cid}",
        (Check,),
        {"__doc__": doc, "id": cid, "name": name, "severity": sev, "category": cat},
    )


RLS001 = _check(
    "RLS001",
    "rls-disabled",
    Severity.CRITICAL,
    Category.ISOLATION,
    "Row-level security is disabled on a tenant table",
    "Without RLS every API session reads every tenant's rows.",
)
RLS010 = _check(
    "RLS010",
    "rls-not-forced",
    Severity.LOW,
    Category.HYGIENE,
    "Row-level security is not forced",
    "The owner and its SECURITY DEFINER functions ignore the policies.",
)
RLS020 = _check(
    "RLS020",
    "truncate-granted",
    Severity.HIGH,
    Category.ISOLATION,
    "An API role may TRUNCATE a tenant table",
    "TRUNCATE ignores RLS and empties every tenant's rows.",
)
RLS101 = _check(
    "RLS101",
    "cross-tenant-read",
    Severity.CRITICAL,
    Category.ISOLATION,
    "Tenant A reads tenant B's rows",
    "A canary of B was seen by A.",
)
RLS102 = _check(
    "RLS102",
    "function-disclosure",
    Severity.HIGH,
    Category.DISCLOSURE,
    "A function returns another tenant's data",
    "Definer functions bypass RLS.",
)
RLS201 = _check(
    "RLS201",
    "policy-per-row-function",
    Severity.MEDIUM,
    Category.PERFORMANCE,
    "The policy calls a function once per row",
    "A volatile call in USING defeats the index and costs a call per row.",
)
RLS301 = _check(
    "RLS301",
    "query-missing-tenant-filter",
    Severity.HIGH,
    Category.QUERY,
    "A query reads a tenant table without a tenant filter",
    "It relies on RLS alone; with a bypassing role it reads every tenant.",
)
CHECKS = [RLS001, RLS010, RLS020, RLS101, RLS102, RLS201, RLS301]

USERS = ObjectRef("table", "public", "users")
AUDIT_LOGS = ObjectRef("table", "public", "audit_logs")

PLAN = [
    {
        "Plan": {
            "Node Type": "Seq Scan",
            "Relation Name": "users",
            "Schema": "public",
            "Alias": "users",
            "Filter": "(tenant_id = get_current_tenant_id())",
            "Rows Removed by Filter": 99000,
            "Plan Rows": 1000,
            "Total Cost": 2041.5,
            "Plans": [
                {
                    "Node Type": "Result",
                    "Parent Relationship": "SubPlan",
                    "Subplan Name": "SubPlan 1",
                    "Plan Rows": 1,
                }
            ],
        }
    }
]


def sample_catalog() -> Catalog:
    cols = (Column("id", "uuid", True, None, 1), Column("tenant_id", "uuid", True, None, 2))
    tables = (
        Table(
            "public", "audit_logs", 3, "table", "postgres", tenant_column="tenant_id", columns=cols
        ),
        Table("public", "system_config", 4, "table", "postgres"),
        Table(
            "public",
            "tenant_statistics",
            5,
            "materialized view",
            "postgres",
            tenant_column="tenant_id",
        ),
        Table("public", "tenants", 1, "table", "postgres", rls_enabled=True, rls_forced=True),
        Table(
            "public",
            "users",
            2,
            "table",
            "postgres",
            rls_enabled=True,
            tenant_column="tenant_id",
            columns=cols,
        ),
    )
    grants = (
        *(
            Grant(role, priv, False, "table", rel)
            for rel in ("public.users", "public.audit_logs")
            for role in ("authenticated", "anon")
            for priv in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES")
        ),
        Grant("authenticated", "SELECT", False, "table", "public.system_config"),
        Grant("authenticated", "UPDATE", False, "table", "public.system_config"),
        Grant("authenticated", "SELECT", False, "materialized view", "public.tenant_statistics"),
        Grant("authenticated", "SELECT", False, "table", "public.tenants"),
        Grant("authenticated", "UPDATE", False, "column", "public.tenants", column="name"),
    )
    return Catalog(
        server_version_num=150018,
        database="rls_audit_sample",
        tables=tables,
        policies=(
            Policy(
                "public",
                "users",
                "users_tenant",
                True,
                "ALL",
                ("authenticated",),
                "(tenant_id = get_current_tenant_id())",
                None,
            ),
            Policy(
                "public",
                "tenants",
                "tenants_self",
                True,
                "SELECT",
                ("authenticated",),
                "(id = get_current_tenant_id())",
                None,
            ),
        ),
        grants=grants,
        functions=(
            Function(
                "public",
                "get_user_tenant_id",
                "uuid",
                ("uuid",),
                "uuid",
                "sql",
                True,
                False,
                "stable",
                "postgres",
                "SELECT tenant_id FROM users WHERE id = p_user",
                executable_by=("PUBLIC", "anon", "authenticated", "postgres"),
            ),
            Function(
                "public",
                "set_updated_at",
                "",
                (),
                "trigger",
                "plpgsql",
                False,
                False,
                "volatile",
                "postgres",
                "BEGIN NEW.updated_at := now(); RETURN NEW; END",
                config=(("search_path", ""),),
                executable_by=("postgres",),
            ),
        ),
        indexes=(
            Index("public", "users", "users_pkey", ("id",), unique=True, primary=True),
            Index("public", "users", "users_tenant_email_idx", ("tenant_id", "email")),
        ),
        roles=(Role("anon"), Role("authenticated"), Role("postgres", bypassrls=True)),
    )


def sample_result(*, schema: str | None = SAMPLE_SCHEMA) -> AuditResult:
    findings = [
        RLS001.finding(
            AUDIT_LOGS,
            "Row-level security is disabled on public.audit_logs, which has tenant_id.",
            evidence=Evidence(
                sql="SELECT relrowsecurity FROM pg_class WHERE oid = 'public.audit_logs'::regclass",
                observed="relrowsecurity = false",
            ),
            remediation=Remediation(
                "Enable and force row-level security, then add a policy per command.",
                "ALTER TABLE public.audit_logs ENABLE ROW LEVEL SECURITY;\n"
                "ALTER TABLE public.audit_logs FORCE ROW LEVEL SECURITY;",
                Applicability.UNSAFE,
            ),
        ),
        RLS020.finding(
            ObjectRef("table", "public", "users"),
            "authenticated may TRUNCATE public.users, which ignores RLS.",
            remediation=Remediation(
                "Revoke it.", "REVOKE TRUNCATE ON public.users FROM authenticated;"
            ),
            discriminator="authenticated",
        ),
        RLS101.finding(
            ObjectRef("materialized view", "public", "tenant_statistics"),
            'Tenant A read 2 rows of tenant B through public.tenant_statistics: "<b>canary</b>" & more.',
            evidence=Evidence(
                sql="SELECT * FROM public.tenant_statistics",
                actor="authenticated",
                tenant="aaaaaaaa-0000-0000-0000-000000000001",
                expected="only rows of tenant A",
                observed="2 rows carrying canary <script>alert(1)</script> of tenant B",
                reproducer="BEGIN;\nSET LOCAL ROLE authenticated;\n"
                "SELECT set_config('app.current_tenant_id', 'aaaaaaaa-0000-0000-0000-000000000001', true);\n"
                "SELECT * FROM public.tenant_statistics;\nROLLBACK;",
                details={"rows_seen": 2, "canaries": ["cnry-b-17", "cnry-b-18"]},
            ),
            remediation="Revoke SELECT on the materialized view and expose a definer function that filters by tenant.",
        ),
        RLS102.finding(
            ObjectRef("function", "public", "get_user_tenant_id", "(uuid)"),
            "get_user_tenant_id(uuid) could not be probed: it raised an error for every input.",
            evidence=Evidence(observed="ERROR: permission denied for table users"),
            outcome=Outcome.INCONCLUSIVE,
        ),
        RLS201.finding(
            USERS,
            "The policy users_tenant calls get_current_tenant_id() once per row.",
            evidence=Evidence(sql="EXPLAIN (FORMAT JSON) SELECT * FROM public.users", plan=PLAN),
            remediation=Remediation(
                "Wrap the call in a scalar subquery so it is evaluated once.",
                "ALTER POLICY users_tenant ON public.users\n"
                "  USING (tenant_id = (SELECT get_current_tenant_id()));",
                Applicability.SAFE,
            ),
        ),
        RLS301.finding(
            ObjectRef("query", None, "app/queries.sql:12"),
            "The query reads public.users without a tenant_id filter.",
            evidence=Evidence(
                sql="SELECT id, email FROM users WHERE email = $1", details={"reference": "users"}
            ),
            location=Location("app/queries.sql", 12, 22),
            remediation="Add AND tenant_id = $2 to the WHERE clause.",
        ),
    ]
    suppressed = RLS010.finding(USERS, "Row-level security is not forced on public.users.")
    findings.append(_with(suppressed, suppressed="baseline: accepted in review 2026-01"))
    run = RunInfo(
        version="0.0.0-sample",
        backend="local",
        target="local server",
        server_version="15.18",
        schema=schema,
        database="rls_audit_sample",
        started_at="2026-01-02T03:04:05+00:00",
        duration_s=3.2,
        python="3.11.7",
        load={"files": 1, "statements": 9, "seconds": 0.1},
    )
    return AuditResult(
        run=run,
        findings=sort_findings(findings),
        checks=list(CHECKS),
        catalog=sample_catalog(),
        fail_on=Severity.HIGH,
    )


def _with(finding: Finding, **changes: object) -> Finding:
    return replace(finding, **changes)


def clean_result() -> AuditResult:
    """The same target with nothing found: the report of a hardened schema."""
    result = sample_result()
    result.findings = []
    return result


def test_sample_has_every_stage_outcome_and_a_suppression():
    result = sample_result()
    assert {f.stage.value for f in result.findings} == {"static", "probe", "plan", "lint"}
    assert any(f.outcome is Outcome.INCONCLUSIVE for f in result.findings)
    assert any(f.suppressed for f in result.findings)
    assert not result.passed and clean_result().passed


def test_sample_schema_exists_where_the_sample_says():
    assert (ROOT / SAMPLE_SCHEMA / "0001_sample.sql").is_file()
