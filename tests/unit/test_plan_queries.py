"""The canonical queries, their baselines, and how conditions on the tenant are read."""

from __future__ import annotations

from harness.catalog import Catalog, Column, Constraint, Policy, Table
from harness.plans._analysis import calls_in, mentions, policy_functions, restricts, wraps
from harness.plans.model import TenantSample
from harness.plans.queries import canonical_queries, sort_column, with_tenant_filter

TENANT = "11111111-1111-4111-8111-111111111111"
COLUMNS = (
    Column("id", "uuid", True, None, 1),
    Column("tenant_id", "uuid", True, None, 2),
    Column("Created", "timestamp with time zone", True, None, 3),
    Column("created_at", "timestamp with time zone", True, None, 4),
)
NOTES = Table("public", "notes", 1, "table", "postgres", True, True, "tenant_id", COLUMNS)
CATALOG = Catalog(
    150000,
    "db",
    tables=(NOTES,),
    constraints=(Constraint("public", "notes", "notes_pkey", "primary key", ("tenant_id", "id"), ""),),
    policies=(
        Policy("public", "notes", "p", True, "ALL", ("authenticated",),
               "(tenant_id = ( SELECT public.current_tenant() AS current_tenant))", None),
        Policy("public", "notes", "q", True, "SELECT", ("authenticated",),
               "(auth.uid() IS NOT NULL AND tenant_id::text = current_setting('x'::text))", None),
    ),
)  # fmt: skip


def test_canonical_queries_rely_on_the_policy_and_baselines_add_the_tenant() -> None:
    sample = TenantSample("large", TENANT, 10, key=("k'1",))
    specs = {s.kind: s for s in canonical_queries(CATALOG, NOTES, sample, "tenant_id")}
    assert specs["newest"].text() == (
        'SELECT * FROM "public"."notes" ORDER BY "created_at" DESC LIMIT 50'
    )
    assert specs["by_id"].text() == 'SELECT * FROM "public"."notes" WHERE "id" = \'k\'\'1\''
    assert specs["count"].text() == 'SELECT count(*) FROM "public"."notes"'
    assert specs["count"].baseline is not None
    assert specs["count"].baseline.as_string(None) == (
        f'SELECT count(*) FROM "public"."notes" WHERE "tenant_id" = \'{TENANT}\''
    )
    assert specs["newest"].sort_column == "created_at"


def test_sort_column_prefers_creation_time_then_any_time_then_the_key() -> None:
    assert sort_column(CATALOG, NOTES, "tenant_id") == "created_at"
    no_time = Table("public", "n", 2, "table", "postgres", columns=COLUMNS[:2])
    assert sort_column(CATALOG, no_time, "tenant_id") is None  # no key constraint on n


def test_app_query_baseline_adds_the_tenant_where_the_table_is_read() -> None:
    text = "SELECT n.* FROM public.notes n JOIN public.other o ON o.id = n.id WHERE n.id = $1"
    out = with_tenant_filter(text, NOTES, "tenant_id", TENANT)
    assert out is not None and out.endswith(f"WHERE n.id = $1 AND n.tenant_id = '{TENANT}'")
    assert with_tenant_filter("SELECT 1 FROM public.other", NOTES, "tenant_id", TENANT) is None
    assert with_tenant_filter("SELEC nonsense (", NOTES, "tenant_id", TENANT) is None


def test_conditions_on_the_tenant_column_as_each_version_prints_them() -> None:
    for condition in ("(tenant_id = $0)", "(tenant_id = (InitPlan 1).col1)", "(n.tenant_id = $1)",
                      "((tenant_id = $0) AND (id = 'x'::uuid))", "($0 = tenant_id)"):  # fmt: skip
        assert restricts(condition, "tenant_id"), condition
    for condition in ("((tenant_id)::text = $0)", "(lower((tenant_id)::text) = $0)",
                      "(coalesce(tenant_id, $0) = $0)"):  # fmt: skip
        assert wraps(condition, "tenant_id") and not restricts(condition, "tenant_id")
    assert not mentions("(x_tenant_id = $0)", "tenant_id")
    assert not wraps("(tenant_id = ANY ($0))", "tenant_id")


def test_policy_functions_and_per_row_calls() -> None:
    assert policy_functions(CATALOG, "public.notes") == ("current_setting", "current_tenant", "uid")
    functions = policy_functions(CATALOG, "public.notes")
    assert calls_in("(tenant_id = current_tenant())", functions) == ("current_tenant",)
    assert calls_in("(tenant_id = $0)", functions) == ()
    assert calls_in("((x)::numeric(10,2) = 1)", ("numeric",)) == ()
