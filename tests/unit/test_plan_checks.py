"""Each plan check on hand-written plans: flaw -> finding, good plan -> nothing."""

from __future__ import annotations

from typing import Any

import pytest

from harness.catalog import Catalog, Column, Function, Index, Policy, Role, Table
from harness.findings.check import Check
from harness.findings.model import Category, Outcome, Stage
from harness.plans import get_plan_checks
from harness.plans.model import PlanContext, PlanRecord, PlanSettings, TenantSample
from harness.plans.rls200_plan_not_taken import PlanNotTaken
from harness.plans.rls201_tenant_scan_not_indexed import TenantScanNotIndexed
from harness.plans.rls202_policy_function_per_row import PolicyFunctionPerRow
from harness.plans.rls203_tenant_column_wrapped import TenantColumnWrapped
from harness.plans.rls204_tenant_index_not_leading import TenantIndexNotLeading
from harness.plans.rls205_qual_demoted_by_rls import QualDemotedByRls, conjuncts
from harness.plans.rls206_tenant_sort_not_indexed import TenantSortNotIndexed
from harness.plans.stage import run_plan_checks

TABLE = "public.notes"
HARDENED = "(tenant_id = ( SELECT public.current_tenant() AS current_tenant))"
PKEY = Index("public", "notes", "notes_pkey", ("tenant_id", "id"), unique=True, primary=True)


def seq(condition: str, rows: float = 500) -> dict[str, Any]:
    return {"Node Type": "Seq Scan", "Relation Name": "notes", "Alias": "notes",
            "Filter": condition, "Plan Rows": 50, "Actual Rows": rows, "Actual Loops": 1}  # fmt: skip


def index(name: str, cond: str, node: str = "Index Scan", **extra: Any) -> dict[str, Any]:
    return {"Node Type": node, "Relation Name": "notes", "Alias": "notes", "Index Name": name,
            "Index Cond": cond, "Plan Rows": 50, **extra}  # fmt: skip


def bitmap(name: str, cond: str) -> dict[str, Any]:
    inner = {"Node Type": "Bitmap Index Scan", "Index Name": name, "Index Cond": cond,
             "Plan Rows": 50}  # fmt: skip
    return {"Node Type": "Bitmap Heap Scan", "Relation Name": "notes", "Alias": "notes",
            "Recheck Cond": cond, "Plan Rows": 50, "Plans": [inner]}  # fmt: skip


def top(node: str, *children: dict[str, Any]) -> list[dict[str, Any]]:
    init = {"Node Type": "Result", "Parent Relationship": "InitPlan",
            "Subplan Name": "InitPlan 1 (returns $0)", "Plan Rows": 1}  # fmt: skip
    return [{"Plan": {"Node Type": node, "Plan Rows": 1, "Plans": [init, *children]}}]


def record(plan: Any, query: str = "count", size: str = "large", **kw: Any) -> PlanRecord:
    kw.setdefault("table_rows", 5000)
    tenant = TenantSample(size, "11111111-1111-4111-8111-111111111111", 500)  # type: ignore[arg-type]
    sql = "SELECT count(*) FROM public.notes"
    return PlanRecord(TABLE, query, sql, tenant, plan_json=plan, analyzed=True, **kw)  # type: ignore[arg-type]


def context(
    *records: PlanRecord,
    indexes: tuple[Index, ...] = (PKEY,),
    using: str = HARDENED,
    functions: tuple[Function, ...] = (),
) -> PlanContext:
    columns = tuple(
        Column(n, t, True, None, i + 1)
        for i, (n, t) in enumerate(
            [("id", "uuid"), ("tenant_id", "uuid"), ("created_at", "timestamp with time zone"),
             ("email", "text")]
        )
    )  # fmt: skip
    catalog = Catalog(
        server_version_num=150000,
        database="db",
        tables=(Table("public", "notes", 1, "table", "postgres", True, True, "tenant_id", columns),),
        indexes=indexes,
        policies=(Policy("public", "notes", "notes_tenant", True, "ALL", ("authenticated",), using, using),),
        functions=functions,
        roles=(Role("authenticated"),),
    )  # fmt: skip
    return PlanContext(catalog, records, PlanSettings())


def run(check: type[Check], ctx: PlanContext) -> list[tuple[str, str]]:
    return [(f.rule, str(f.object)) for f in check().check(ctx)]


GOOD = record(top("Aggregate", bitmap("notes_pkey", "(tenant_id = $0)")))


def test_registry_lists_plan_checks_with_unique_ids_and_documentation() -> None:
    checks = get_plan_checks()
    assert [c.id for c in checks] == [f"RLS20{i}" for i in range(7)]
    assert len({c.name for c in checks}) == len(checks)
    for check in checks:
        assert check.stage is Stage.PLAN and check.category is Category.PERFORMANCE
        assert list(check.doc.sections)[:3] == ["Why it matters", "Anti-pattern", "Best practice"]
        assert check.doc.section("References")


@pytest.mark.parametrize("check", get_plan_checks())
def test_a_good_plan_gives_no_finding(check: type[Check]) -> None:
    by_id = record(
        [{"Plan": index("notes_pkey", "((tenant_id = $0) AND (id = 'x'::uuid))")}], query="by_id"
    )
    assert run(check, context(GOOD, by_id)) == []


def test_rls201_seq_scan_of_a_large_tenant() -> None:
    ctx = context(record(top("Aggregate", seq("(tenant_id = $0)"))), indexes=())
    [finding] = TenantScanNotIndexed().check(ctx)
    assert finding.rule == "RLS201" and "Seq Scan" in finding.message
    assert (
        finding.remediation.fix_sql
        == 'CREATE INDEX CONCURRENTLY ON "public"."notes" ("tenant_id");'
    )
    assert finding.evidence.details["size_class"] == "large"
    assert "Filter: (tenant_id = $0)" in finding.evidence.plan["tree"]


def test_rls201_small_tables_and_fetch_by_id_are_not_judged() -> None:
    small = record(top("Aggregate", seq("(tenant_id = $0)")), table_rows=999)
    by_id = record([{"Plan": seq("(tenant_id = $0) AND (id = 'x'::uuid)")}], query="by_id")
    assert run(TenantScanNotIndexed, context(small, by_id, indexes=())) == []


def test_rls201_points_at_the_policy_when_a_tenant_index_exists() -> None:
    ctx = context(record(top("Aggregate", seq("((tenant_id)::text = $0)"))))
    [finding] = TenantScanNotIndexed().check(ctx)
    assert finding.remediation.fix_sql is None and "notes_pkey" in finding.remediation.text


def test_rls202_volatile_function_called_per_row() -> None:
    volatile = Function("public", "cur", "", (), "uuid", "plpgsql", False, False, "volatile",
                        "postgres", "")  # fmt: skip
    ctx = context(
        record(top("Aggregate", seq("(tenant_id = cur())"))),
        using="(tenant_id = public.cur())",
        functions=(volatile,),
    )
    [finding] = PolicyFunctionPerRow().check(ctx)
    assert "cur()" in finding.message and "VOLATILE" in finding.message
    assert finding.remediation.fix_sql == "ALTER FUNCTION public.cur() STABLE;"


def test_rls202_call_in_the_index_condition_runs_once() -> None:
    plan = top("Aggregate", index("notes_pkey", "(tenant_id = cur())", "Index Only Scan"))
    assert run(PolicyFunctionPerRow, context(record(plan), using="(tenant_id = cur())")) == []


def test_rls203_cast_tenant_column() -> None:
    using = "((tenant_id)::text = ( SELECT current_setting('app.current_tenant_id'::text, true)))"
    ctx = context(record(top("Aggregate", seq("((tenant_id)::text = $0)"))), using=using)
    [finding] = TenantColumnWrapped().check(ctx)
    assert "notes_tenant" in finding.message
    assert finding.evidence.observed == "((tenant_id)::text = $0)"


def test_rls204_index_not_led_by_the_tenant_column() -> None:
    other = Index("public", "notes", "notes_created_tenant", ("created_at", "tenant_id"))
    plan = top("Aggregate", index("notes_created_tenant", "(tenant_id = $0)", "Index Only Scan"))
    ctx = context(record(plan), indexes=(other,))
    assert run(TenantIndexNotLeading, ctx) == [("RLS204", TABLE)]
    assert run(TenantScanNotIndexed, ctx) == [("RLS201", TABLE)]
    [finding] = TenantIndexNotLeading().check(ctx)
    assert finding.remediation.fix_sql == (
        'CREATE INDEX CONCURRENTLY ON "public"."notes" ("tenant_id", "created_at");'
    )


def test_rls204_seq_scan_with_only_a_non_leading_index() -> None:
    other = Index("public", "notes", "notes_id_tenant", ("id", "tenant_id"), unique=True)
    ctx = context(record(top("Aggregate", seq("(tenant_id = $0)"))), indexes=(other,))
    assert run(TenantIndexNotLeading, ctx) == [("RLS204", TABLE)]


def test_rls205_condition_demoted_to_a_filter_under_rls() -> None:
    term = "(lower(email) = 'a@b.c'::text)"
    rls = [{"Plan": {**bitmap("notes_lower", "(tenant_id = $0)"), "Filter": term}}]
    owner = [{"Plan": index("notes_lower", f"((tenant_id = 'x'::uuid) AND {term})")}]
    ctx = context(record(rls, query="app", baseline_json=owner))
    [finding] = QualDemotedByRls().check(ctx)
    assert term in finding.message and finding.evidence.details["demoted"] == [term]


def test_conjuncts_split_top_level_and_only() -> None:
    assert conjuncts("((tenant_id = $0) AND (id = 'x'::uuid))") == {
        "(tenant_id = $0)",
        "(id = 'x'::uuid)",
    }
    assert conjuncts("(tenant_id = $0)") == {"(tenant_id = $0)"}
    assert conjuncts("((a = 1) OR ((b = 2) AND (c = 3)))") == {"((a = 1) OR ((b = 2) AND (c = 3)))"}
    assert conjuncts(None) == set()


def test_rls206_sort_of_many_tenant_rows() -> None:
    sort = {"Node Type": "Sort", "Sort Key": ["created_at DESC"], "Plan Rows": 50,
            "Plans": [{**bitmap("notes_pkey", "(tenant_id = $0)"), "Actual Rows": 20_000,
                       "Actual Loops": 1}]}  # fmt: skip
    plan = top("Limit", sort)
    many = record(plan, query="newest", sort_column="created_at")
    assert run(TenantSortNotIndexed, context(many)) == [("RLS206", TABLE)]
    covered = Index("public", "notes", "notes_tenant_created", ("tenant_id", "created_at"))
    assert run(TenantSortNotIndexed, context(many, indexes=(PKEY, covered))) == []


def test_rls200_failed_plan_is_inconclusive() -> None:
    failed = record(None, error="permission denied for table notes")
    [finding] = PlanNotTaken().check(context(failed))
    assert finding.outcome is Outcome.INCONCLUSIVE and "permission denied" in finding.message


def test_a_crashing_check_is_inconclusive_not_silent() -> None:
    class Broken(TenantScanNotIndexed):
        """Always crashes.

        Why it matters:
        x

        Anti-pattern:
        x

        Best practice:
        x
        """

        id = "RLS299"
        name = "broken"

        def check(self, ctx: PlanContext):  # type: ignore[override]
            raise ValueError("boom")

    [finding] = run_plan_checks(context(GOOD), [Broken])
    assert finding.outcome is Outcome.INCONCLUSIVE and "boom" in finding.message
