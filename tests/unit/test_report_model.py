"""What the reports derive: access matrix, control mapping, schema locations, plan trees."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_report_sample import PLAN, ROOT, sample_catalog, sample_result

from harness.catalog.model import Policy
from harness.findings import ObjectRef
from harness.report.controls import control_statuses
from harness.report.inventory import fold_grants, policy_sql
from harness.report.locations import index_schema, normalise_type
from harness.report.matrix import STATIC, AccessCell, access_matrix, static_matrix
from harness.report.plantree import plan_tree


@pytest.fixture(scope="module")
def matrix():
    return static_matrix(sample_catalog(), ("authenticated", "anon"))


@pytest.mark.parametrize(
    ("relation", "role", "command", "outcome"),
    [
        ("public.audit_logs", "authenticated", "SELECT", "exposed"),  # RLS off
        ("public.users", "authenticated", "SELECT", "confined"),  # RLS on, a policy for it
        ("public.users", "anon", "SELECT", "denied"),  # RLS on, no policy for anon
        ("public.users", "authenticated", "TRUNCATE", "exposed"),  # TRUNCATE ignores RLS
        ("public.users", "authenticated", "REFERENCES", "review"),
        ("public.users", "authenticated", "FUNCTIONS", "review"),  # definer fn reads users
        ("public.tenants", "authenticated", "UPDATE", "denied"),  # column grant, no policy
        ("public.tenants", "anon", "SELECT", "denied"),  # no privilege
        ("public.system_config", "authenticated", "SELECT", "shared"),
        ("public.system_config", "authenticated", "UPDATE", "exposed"),
        ("public.tenant_statistics", "authenticated", "SELECT", "exposed"),  # matview
    ],
)
def test_static_matrix_outcomes(matrix, relation, role, command, outcome):
    cell = matrix.cell(relation, role, command)
    assert cell.outcome == outcome, cell.detail
    assert cell.source == "static"


def test_static_matrix_is_labelled_and_covers_every_exposed_relation(matrix):
    assert matrix.source == STATIC
    assert len(matrix.relations) == 5
    assert len(matrix.cells) == 5 * 2 * 7


def test_owner_and_bypassrls_roles_reach_every_row():
    catalog = sample_catalog()
    catalog_with_grant = replace(
        catalog, grants=(*catalog.grants, *(replace(g, grantee="postgres") for g in catalog.grants))
    )
    m = static_matrix(catalog_with_grant, ("postgres",))
    assert "bypasses row-level security" in m.cell("public.users", "postgres", "SELECT").detail


def test_probe_cells_replace_static_ones():
    result = sample_result()
    result.matrix = [  # what the probe stage attaches
        AccessCell(
            "public.users",
            "authenticated",
            "SELECT",
            "confined",
            "saw only A",
            "probe",
            "SELECT * FROM users",
        ),
        {
            "relation": "public.users",
            "role": "anon",
            "command": "insert",
            "outcome": "leak",
            "detail": "inserted a row for B",
        },
    ]
    m = access_matrix(result)
    assert m.source.startswith("probe")
    assert m.cell("public.users", "authenticated", "SELECT").sql == "SELECT * FROM users"
    assert m.cell("public.users", "anon", "INSERT").outcome == "exposed"
    assert m.cell("public.audit_logs", "anon", "SELECT").source == "static"


def test_api_roles_come_from_the_run_when_it_has_them():
    result = sample_result()
    result.run.api_roles = ("authenticated",)
    assert access_matrix(result).roles == ("authenticated",)


def test_controls_map_by_category_and_say_not_assessed_without_checks():
    statuses = {s.control.id: s for s in control_statuses(sample_result())}
    assert statuses["CC6.1"].status == "exceptions"
    assert "RLS001" in statuses["CC6.1"].checks
    assert "RLS201" not in statuses["CC6.1"].checks  # performance is no access control
    assert "RLS101" not in statuses["CC6.3"].checks  # privileges are static configuration
    empty = sample_result()
    empty.checks, empty.findings = [], []
    assert {s.status for s in control_statuses(empty)} == {"not assessed"}


@pytest.mark.parametrize("schema", ["schema", "tests/schemas/spec009_as_written"])
def test_every_public_table_function_and_policy_is_found_in_the_bundled_schemas(schema):
    index = index_schema(ROOT / schema)
    assert {"public.users", "public.tenants", "public.tenant_statistics"} <= set(index.relations)
    users = index.locate(ObjectRef("table", "public", "users"))
    assert users is not None and users.path.endswith(".sql") and users.line > 1
    fn = index.locate(ObjectRef("function", "public", "get_user_tenant_id", "(uuid)"))
    assert fn is not None
    assert index.policies  # every schema declares its policies


def test_function_overloads_are_told_apart_by_argument_types(tmp_path):
    (tmp_path / "0001.sql").write_text(
        "create function f(a int) returns int language sql as $$ select 1 $$;\n"
        "CREATE OR REPLACE FUNCTION public.f(IN a character varying(40), OUT b int)\n"
        "  language sql as $$ select 1 $$;\n"
        'create policy "Tenant read" on "public"."T" using (true);\n'
    )
    index = index_schema(tmp_path)
    assert index.locate(ObjectRef("function", "public", "f", "(integer)")).line == 1
    assert index.locate(ObjectRef("function", "public", "f", "(character varying)")).line == 2
    assert index.locate(ObjectRef("function", "public", "f", "(text)")) is None
    assert index.locate(ObjectRef("policy", "public", "Tenant read", "public.T")).line == 4
    assert normalise_type("VARCHAR(40)[]") == "character varying[]"


def test_plan_tree_labels_and_marks_scans_and_subplans():
    root = plan_tree(PLAN)
    assert root.label == "Seq Scan on public.users"
    assert root.hot and dict(root.details)["Rows Removed by Filter"] == "99000"
    assert root.children[0].label == "SubPlan 1: Result" and root.children[0].hot
    assert plan_tree("not a plan") is None


def test_policy_sql_and_folded_grants():
    p = Policy("public", "t", "p", False, "UPDATE", ("authenticated",), "(a = 1)", "(b = 2)")
    assert policy_sql(p) == (
        "CREATE POLICY p ON public.t\n  AS RESTRICTIVE FOR UPDATE TO authenticated\n"
        "  USING ((a = 1))\n  WITH CHECK ((b = 2));"
    )
    lines = fold_grants(sample_catalog().grants_on("public.tenants"), ("authenticated",))
    assert [(g.grantee, g.privileges) for g in lines] == [
        ("authenticated", "SELECT, UPDATE (name)")
    ]
