"""Posture diff without a database: each kind of change gets its class and its reason."""

from __future__ import annotations

import copy
import json

import pytest

from harness.catalog import Catalog, Column, Function, Grant, Policy, Role, Table
from harness.posture import ChangeClass, Posture, diff, posture_of, render
from harness.posture.predicate import compare

TENANT = "(tenant_id = ( SELECT public.current_tenant() AS current_tenant))"


def catalog() -> Catalog:
    cols = (
        Column("id", "uuid", True, "gen_random_uuid()", 1),
        Column("tenant_id", "uuid", True, None, 2),
    )
    return Catalog(
        server_version_num=150000,
        database="db_1234",
        tables=(
            Table("public", "invoices", 1, "table", "postgres", True, True, "tenant_id", cols),
            Table("public", "settings", 2, "table", "postgres", False, False, None, cols[:1]),
        ),
        policies=(
            Policy(
                "public", "invoices", "tenant_all", True, "ALL", ("authenticated",), TENANT, None
            ),
        ),
        grants=(
            Grant("authenticated", "SELECT", False, "table", "public.invoices"),
            Grant("postgres", "SELECT", False, "table", "public.invoices"),
            Grant("authenticated", "CONNECT", False, "database", "db_1234"),
        ),
        functions=(
            Function(
                "public",
                "report",
                "",
                (),
                "bigint",
                "sql",
                True,
                False,
                "stable",
                "postgres",
                "select 1",
                config=(("search_path", ""),),
            ),
        ),
        roles=(Role("authenticated"), Role("anon"), Role("pg_monitor")),
    )


@pytest.fixture
def base() -> Posture:
    return posture_of(catalog(), api_roles=("authenticated", "anon"), source="base")


def changed(base: Posture, edit) -> list[tuple[str, str, str, str]]:
    doc = copy.deepcopy(base.to_dict())
    edit(doc)
    head = Posture.from_dict(doc)
    return [(c.klass.value, c.kind, c.object, c.why) for c in diff(base, head).changes]


def test_the_posture_leaves_out_what_differs_between_identical_schemas(base):
    assert "pg_monitor" not in base.roles  # PostgreSQL's own roles differ between releases
    assert "SELECT on public.invoices to postgres" not in base.grants  # implied by ownership
    assert "CONNECT on (database) to authenticated" in base.grants  # clone names are random
    assert diff(base, base).changes == ()
    again = Posture.from_dict(json.loads(json.dumps(base.to_dict())))
    assert diff(base, again).changes == ()


def _set(path: str, value):
    def edit(doc):
        *keys, last = path.split("/")
        node = doc
        for k in keys:
            node = node[k]
        node[last] = value

    return edit


def _policy(name: str, **fields):
    record = {
        "table": "public.invoices",
        "permissive": True,
        "command": "SELECT",
        "roles": ["authenticated"],
        "using": TENANT,
        "with_check": None,
        **fields,
    }
    return _set(f"policies/{name} on public.invoices", record)


def _grant(privilege: str, obj: str, grantee: str, kind: str = "table"):
    record = {
        "object": obj,
        "object_kind": kind,
        "column": None,
        "grantee": grantee,
        "privilege": privilege,
        "grantable": False,
    }
    return _set(f"grants/{privilege} on {obj} to {grantee}", record)


@pytest.mark.parametrize(
    ("edit", "klass", "why"),
    [
        (_set("tables/public.invoices/rls_enabled", False), "dangerous", "RLS disabled"),
        (
            _set("tables/public.invoices/rls_forced", False),
            "dangerous",
            "FORCE ROW LEVEL SECURITY dropped",
        ),
        (_policy("open_read"), "dangerous", "permissive policy added to an existing table"),
        (_policy("narrow", permissive=False), "safe", "restrictive policy added"),
        (
            _set("policies/tenant_all on public.invoices/using", f"({TENANT} OR true)"),
            "dangerous",
            "USING widened: OR TRUE added",
        ),
        (
            _set("policies/tenant_all on public.invoices/using", "true"),
            "dangerous",
            "USING widened: now admits every row",
        ),
        (
            _set("policies/tenant_all on public.invoices/using", "(owner_id = auth.uid())"),
            "dangerous",
            "USING no longer compares tenant_id",
        ),
        (
            _set(
                "policies/tenant_all on public.invoices/using",
                f"({TENANT} AND (deleted_at IS NULL))",
            ),
            "breaking",
            "USING narrowed: AND deleted_at IS NULL added",
        ),
        (
            _set("policies/tenant_all on public.invoices/using", "(tenant_id = public.other())"),
            "needs review",
            "USING changed, not provably narrower",
        ),
        (
            _set("policies/tenant_all on public.invoices/roles", ["anon", "authenticated"]),
            "dangerous",
            "applies to more roles (+anon)",
        ),
        (
            _set("policies/tenant_all on public.invoices/roles", ["public"]),
            "dangerous",
            "applies to more roles (+public)",
        ),
        (
            _set("policies/tenant_all on public.invoices/permissive", False),
            "breaking",
            "became restrictive",
        ),
        (_grant("SELECT", "public.invoices", "anon"), "dangerous", "grant to API role anon"),
        (
            _grant("TRUNCATE", "public.invoices", "authenticated"),
            "dangerous",
            "TRUNCATE ignores RLS",
        ),
        (_grant("SELECT", "public.invoices", "PUBLIC"), "dangerous", "granted to PUBLIC"),
        (
            _grant("EXECUTE", "public.report()", "authenticated", "function"),
            "dangerous",
            "SECURITY DEFINER function exposed to authenticated",
        ),
        (
            _grant("SELECT", "public.invoices", "reporting"),
            "needs review",
            "reporting gains SELECT",
        ),
        (
            _set("functions/public.report()/search_path", None),
            "dangerous",
            "lost its pinned search_path",
        ),
        (_set("functions/public.report()/leakproof", True), "dangerous", "now LEAKPROOF"),
        (_set("functions/public.report()/source_sha256", "x"), "needs review", "body changed"),
        (
            _set("roles/authenticated/bypassrls", True),
            "dangerous",
            "authenticated now has BYPASSRLS",
        ),
        (
            _set("roles/authenticated/member_of", ["service_role"]),
            "dangerous",
            "authenticated is now a member of service_role",
        ),
        (
            _set(
                "roles/auditor",
                {
                    "superuser": False,
                    "bypassrls": True,
                    "login": True,
                    "inherit": True,
                    "createrole": False,
                    "member_of": [],
                },
            ),
            "dangerous",
            "new role with BYPASSRLS",
        ),
        (
            _set("tables/public.invoices/tenant_column", None),
            "dangerous",
            "tenant column tenant_id dropped",
        ),
        (
            _set(
                "tables/public.invoices/columns/note",
                {"type": "text", "not_null": True, "has_default": False},
            ),
            "breaking",
            "new NOT NULL column note without default",
        ),
        (
            _set(
                "tables/public.invoices/columns/note",
                {"type": "text", "not_null": False, "has_default": False},
            ),
            "safe",
            "column note added",
        ),
        (
            _set("tables/public.settings/rls_enabled", True),
            "breaking",
            "RLS enabled with no policy",
        ),
        (
            _set("tables/public.invoices/owner", "admin"),
            "needs review",
            "owner changed from postgres to admin",
        ),
    ],
)
def test_each_change_gets_its_class_and_a_one_line_reason(base, edit, klass, why):
    found = changed(base, edit)
    assert len(found) == 1, found
    assert found[0][0] == klass
    assert why in found[0][3]
    assert "\n" not in found[0][3]


def test_removals_break_clients_and_dependent_objects_are_not_repeated(base):
    def drop(doc):
        del doc["tables"]["public.invoices"]
        del doc["policies"]["tenant_all on public.invoices"]
        del doc["grants"]["SELECT on public.invoices to authenticated"]

    assert changed(base, drop) == [
        (
            "breaking",
            "table",
            "public.invoices",
            "table dropped: clients and functions using it break",
        )
    ]


def test_a_new_protected_tenant_table_with_its_policy_and_grants_is_safe(base):
    def add(doc):
        table = copy.deepcopy(doc["tables"]["public.invoices"])
        doc["tables"]["public.labels"] = table
        policy = dict(doc["policies"]["tenant_all on public.invoices"], table="public.labels")
        doc["policies"]["tenant_all on public.labels"] = policy
        grant = dict(
            doc["grants"]["SELECT on public.invoices to authenticated"], object="public.labels"
        )
        doc["grants"]["SELECT on public.labels to authenticated"] = grant

    assert {klass for klass, *_ in changed(base, add)} == {"safe"}


def test_predicate_comparison_decides_only_what_it_can_prove():
    assert compare("(a = 1)", "((a = 1) OR (b = 2))").verdict == "wider"
    assert compare("((a = 1) OR (b = 2))", "(a = 1)").verdict == "narrower"
    assert compare("((a = 1) AND (b = 2))", "(a = 1)").verdict == "wider"
    assert compare("(a = 1)", "(a = 2)").verdict == "unknown"
    assert compare("(a = 1)", "(a = 1)").verdict == "same"
    assert compare("(tenant_id = 1)", "(b = 1)", tenant_key="tenant_id").verdict == "unscoped"
    assert compare("(a = 1)", None).verdict == "wider"


def test_renderings_and_the_class_threshold(base):
    head = Posture.from_dict(copy.deepcopy(base.to_dict()))
    head.tables["public.invoices"]["rls_enabled"] = False
    result = diff(base, head)
    assert result.worst() is ChangeClass.DANGEROUS
    assert result.at_least(ChangeClass.parse("needs-review"))
    assert render(result, "text").splitlines()[1].startswith("DANGEROUS     table")
    assert "| **dangerous** | table | `public.invoices` |" in render(result, "md")
    assert json.loads(render(result, "json"))["summary"]["dangerous"] == 1
    with pytest.raises(ValueError, match="unknown change class"):
        ChangeClass.parse("scary")


def test_a_file_that_is_not_a_snapshot_is_refused():
    with pytest.raises(ValueError, match="not an rls-audit posture snapshot"):
        Posture.from_dict({"findings": []})
    with pytest.raises(ValueError, match="schema_version"):
        Posture.from_dict({"kind": "rls-audit-posture", "schema_version": 99})
