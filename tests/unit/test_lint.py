"""Query lint without a database: locations, rules, tenant detection, the bundled schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.catalog import Catalog, Column, Function, MaterializedView, Table, View
from harness.findings.check import Check
from harness.findings.model import Category, Outcome, Severity, Stage
from harness.lint import (
    TenantTables,
    get_lint_rules,
    lint_catalog,
    lint_paths,
    lint_sql,
    tenant_tables_from_ddl,
)
from harness.lint.pysource import python_sources
from harness.lint.split import split_chunks
from harness.lint.suppress import parse_directive

ROOT = Path(__file__).resolve().parents[2]
TENANTS = TenantTables.of(
    {
        "public.students": ["id", "tenant_id", "class_id", "name"],
        "public.classes": ["id", "tenant_id", "name"],
        "billing.invoices": ["id", "tenant_id", "amount"],
    },
    extra_columns={"public.tenants": ["id", "slug"]},
)


def _lint(sql: str, path: str = "app.sql"):
    return lint_sql(sql, tenant_tables=TENANTS, path=path)


def _where(findings) -> list[tuple[str, str, int | None, int | None]]:
    return [(f.rule, str(f.object), f.location.line, f.location.column) for f in findings]


# -- locations --------------------------------------------------------------------------


def test_location_is_the_table_reference_in_the_file():
    sql = (
        "-- header\n"
        "SELECT 1 FROM students WHERE tenant_id = $1;\n"
        "SELECT s.name, c.name\n"
        "  FROM students s\n"
        "  JOIN classes c ON c.id = s.class_id\n"
        " WHERE s.tenant_id = $1;\n"
    )
    assert _where(_lint(sql)) == [("RLS301", "public.classes", 5, 8)]


def test_location_of_a_qualified_reference_starts_at_its_schema():
    findings = _lint("SELECT 1;\n\nSELECT * FROM   billing.invoices i WHERE i.amount > 0;")
    assert _where(findings) == [("RLS301", "billing.invoices", 3, 17)]


def test_location_inside_a_python_literal_follows_concatenation_and_escapes():
    source = (
        "def q(cur):\n"
        "    cur.execute(\n"
        '        "SELECT c.name \\t"\n'
        "        'FROM classes c WHERE c.name = %s', ('x',))\n"
    )
    findings = lint_paths_text(source, "app.py")
    assert _where(findings) == [("RLS301", "public.classes", 4, 15)]


def lint_paths_text(text: str, name: str):
    from harness.lint.engine import Linter

    return Linter(TENANTS).lint_file(name, python_sources(name, text))


def test_location_inside_a_plpgsql_body():
    sql = (
        "CREATE FUNCTION f(p uuid) RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  UPDATE classes SET name = 'x' WHERE id = p;\n"
        "END $$;\n"
    )
    findings = _lint(sql)
    assert _where(findings) == [("RLS301", "public.classes", 3, 10)]
    assert "in function f" in findings[0].message


def test_unparseable_statement_is_reported_where_it_fails_and_the_lint_goes_on():
    findings = _lint("SELECT * FROM students WHERE (tenant_id = $1;\nSELECT * FROM classes;\n")
    assert [(f.rule, f.location.line) for f in findings] == [("RLS301", 2), ("RLS303", 1)]
    parse_error = findings[1]
    assert parse_error.outcome is Outcome.INCONCLUSIVE
    assert "could not be parsed" in parse_error.message


def test_a_delete_without_from_is_inconclusive_not_a_crash():
    """`DELETE students` is not PostgreSQL; sqlglot reads it with no target table."""
    (f,) = _lint("DELETE students;")
    assert (f.rule, f.outcome) == ("RLS303", Outcome.INCONCLUSIVE)
    assert "names no table to write" in f.message


# -- messages, remediation, fingerprints -------------------------------------------------


def test_finding_quotes_the_statement_and_says_what_predicate_fixes_it():
    (f,) = _lint(
        "SELECT * FROM students s JOIN classes c ON c.id = s.class_id WHERE s.tenant_id = $1"
    )
    assert f.evidence.sql.startswith("SELECT * FROM students s JOIN classes c")
    assert "`c.tenant_id = s.tenant_id`" in f.remediation.text
    assert "ON clause" in f.remediation.text
    (g,) = _lint("UPDATE classes SET name = %(n)s WHERE tenant_id = %(t)s OR name = ''")
    assert "an OR branch" in g.message and "outside the OR" in g.remediation.text
    (h,) = _lint("SELECT * FROM students WHERE id = :id")
    assert "current_setting('app.current_tenant_id')::uuid" in h.remediation.text


def test_fingerprint_survives_moving_the_statement_but_not_another_table():
    sql = "SELECT * FROM students WHERE name = $1"
    (a,) = _lint(sql)
    (b,) = _lint("\n\n-- moved down\n" + sql)
    (c,) = _lint(sql.replace("students", "classes"))
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert a.location != b.location


def test_suppressed_findings_are_kept_and_marked():
    (f,) = _lint("-- rls-audit: ignore[RLS301] nightly report\nSELECT * FROM students;")
    assert f.suppressed == "nightly report"


@pytest.mark.parametrize(
    ("text", "rules", "problem"),
    [
        ("rls-audit: ignore[RLS301] why", ("RLS301",), None),
        ("rls-audit: ignore[missing-tenant-predicate, rls302]: why */", ("RLS301", "RLS302"), None),
        ("rls-audit: ignore[RLS301]", ("RLS301",), "no reason"),
        ("rls-audit: ignore[RLS001] why", (), "unknown rule RLS001"),
        ("rls-audit: ignore RLS301 why", (), "malformed"),
    ],
)
def test_suppression_directives(text, rules, problem):
    from harness.lint.engine import rule_names

    got_rules, _, got_problem = parse_directive(text, rule_names())
    assert got_rules == rules
    assert (got_problem is None) == (problem is None)
    if problem:
        assert problem in got_problem


# -- splitting ---------------------------------------------------------------------------


def test_split_keeps_semicolons_inside_quotes_dollar_quotes_and_comments():
    sql = (
        "SELECT 'a;b', E'it\\'s;', \"x;y\" -- c;\n"
        "/* d; /* nested; */ */ FROM t;\n"
        "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\n"
        "SELECT 'unterminated;\n"
    )
    texts = [sql[c.code : c.end].split()[0] for c in split_chunks(sql)]
    assert texts == ["SELECT", "CREATE", "SELECT"]


# -- rules and registry ------------------------------------------------------------------


def test_lint_rules_are_documented_checks_with_unique_ids():
    rules = get_lint_rules()
    assert [r.id for r in rules] == ["RLS301", "RLS302", "RLS303", "RLS304"]
    assert len({r.name for r in rules}) == 4
    for rule in rules:
        assert issubclass(rule, Check)
        assert rule.stage is Stage.LINT
        assert rule.category in (Category.QUERY, Category.HYGIENE)
        for section in ("Why it matters", "Anti-pattern", "Best practice", "References"):
            assert rule.doc.section(section), (rule.id, section)
        assert rule.references
    assert get_lint_rules()[0].severity is Severity.HIGH


@pytest.mark.parametrize("rule", get_lint_rules(), ids=lambda r: r.id)
def test_lint_rule_module_named_after_id_and_name_with_sections_in_order(rule):
    module = rule.__module__.rsplit(".", 1)[1]
    assert module == f"{rule.id.lower()}_{rule.name.replace('-', '_')}"
    assert list(rule.doc.sections) == [
        "Why it matters",
        "Anti-pattern",
        "Best practice",
        "References",
    ]


def test_every_lint_rule_has_labelled_cases():
    labels = (ROOT / "tests" / "cases" / "lint").glob("*.*")
    text = "\n".join(p.read_text("utf-8") for p in labels if p.suffix in (".sql", ".py"))
    for rule in get_lint_rules():
        assert f"expect: {rule.id} " in text, rule.id


# -- tenant tables -----------------------------------------------------------------------


def test_offline_detection_of_the_bundled_schema():
    tenants = tenant_tables_from_ddl([ROOT / "schema"])
    names = {t.qualified_name for t in tenants.tables}
    assert len(names) == 16 and not tenants.skipped
    assert {"public.users", "public.grades", "public.audit_logs"} <= names
    assert "public.tenants" not in names and "public.system_config" not in names
    assert tenants.lookup(None, "tenant_statistics").kind == "materialized view"


def test_tenant_tables_from_a_catalog_snapshot():
    def cols(*names):
        return tuple(Column(n, "uuid", True, None, i + 1) for i, n in enumerate(names))

    catalog = Catalog(
        server_version_num=160000,
        database="app",
        tables=(
            Table(
                "public",
                "notes",
                1,
                "table",
                "o",
                tenant_column="tenant_id",
                columns=cols("id", "tenant_id"),
            ),
            Table("public", "tenants", 2, "table", "o", columns=cols("id")),
            Table(
                "public", "v", 3, "view", "o", tenant_column="tenant_id", columns=cols("tenant_id")
            ),
        ),
        views=(
            View(
                "public",
                "v",
                False,
                False,
                None,
                " SELECT notes.tenant_id\n   FROM notes;",
                reads=("public.notes",),
            ),
        ),
        materialized_views=(MaterializedView("public", "mv", " SELECT id FROM notes;", True),),
        functions=(
            Function(
                "public",
                "f",
                "uuid",
                ("uuid",),
                "uuid",
                "sql",
                True,
                False,
                "stable",
                "o",
                "SELECT id FROM public.notes WHERE tenant_id = $1",
            ),
            Function(
                "public",
                "g",
                "",
                (),
                "void",
                "plpgsql",
                True,
                False,
                "volatile",
                "o",
                "BEGIN DELETE FROM notes; END",
            ),
        ),
    )
    tenants = TenantTables.from_catalog(catalog)
    assert [t.qualified_name for t in tenants.tables] == ["public.notes"]
    found = sorted((str(f.location), f.rule) for f in lint_catalog(catalog))
    assert found == [
        ("function public.g():1:19", "RLS301"),
        ("materialized view public.mv:1:17", "RLS301"),
        ("view public.v:2:9", "RLS301"),
    ]


# -- the bundled schema: its views and functions -----------------------------------------


def test_bundled_schema_views_and_functions():
    """Only the platform-wide statistics view reads tenant tables across tenants (it is
    readable by service_role only, 0013); every function filters by tenant."""
    tenants = tenant_tables_from_ddl([ROOT / "schema"])
    findings = lint_paths([ROOT / "schema"], tenant_tables=tenants)
    got = sorted(
        (f.rule, str(f.object), Path(f.location.path).name, f.location.line) for f in findings
    )
    assert got == [
        ("RLS301", "public.branches", "0012_tenant_statistics.sql", 22),
        ("RLS301", "public.users", "0012_tenant_statistics.sql", 23),
    ]


def test_spec009_as_written_leaks_through_get_user_tenant_id():
    schema = ROOT / "tests" / "schemas" / "spec009_as_written"
    tenants = tenant_tables_from_ddl([schema])
    findings = lint_paths([schema], tenant_tables=tenants)
    got = sorted((f.rule, str(f.object), f.message.split(":")[0]) for f in findings)
    assert got == [
        (
            "RLS301",
            "public.branches",
            "public.branches (as b) is read in materialized view tenant_statistics",
        ),
        (
            "RLS301",
            "public.users",
            "public.users (as u) is read in materialized view tenant_statistics",
        ),
        ("RLS301", "public.users", "public.users is read in function get_user_tenant_id"),
    ]
