"""Catalog model behaviour, and the catalog queries' conventions, without a database."""

from __future__ import annotations

import dataclasses
import re
from importlib.resources import files

import pytest

from harness.catalog import (
    Catalog,
    Column,
    Constraint,
    Function,
    Grant,
    Index,
    Membership,
    Policy,
    Role,
    Table,
)
from harness.catalog._roles import effective_memberships, membership_edges
from harness.catalog.snapshot import query

QUERIES = sorted(
    p.name.removesuffix(".sql")
    for p in files("harness.catalog").joinpath("queries").iterdir()
    if p.name.endswith(".sql")
)


def table(name: str, *, tenant: bool = True, kind: str = "table", **kw: object) -> Table:
    columns = (Column("id", "uuid", True, None, 1),)
    if tenant:
        columns += (Column("tenant_id", "uuid", True, None, 2),)
    return Table(
        schema="public",
        name=name,
        oid=hash(name) & 0xFFFF,
        kind=kind,  # type: ignore[arg-type]
        owner="postgres",
        tenant_column="tenant_id" if tenant else None,
        columns=columns,
        **kw,  # type: ignore[arg-type]
    )


def function(name: str, executable_by: tuple[str, ...], args: str = "") -> Function:
    return Function(
        schema="public",
        name=name,
        identity_args=args,
        arg_types=tuple(a for a in args.split(", ") if a),
        return_type="uuid",
        language="sql",
        security_definer=True,
        leakproof=False,
        volatility="stable",
        owner="postgres",
        source="select 1",
        executable_by=executable_by,
    )


def policy(table_name: str, name: str, command: str = "ALL") -> Policy:
    return Policy("public", table_name, name, True, command, ("authenticated",), "true", None)  # type: ignore[arg-type]


@pytest.fixture
def catalog() -> Catalog:
    edges = membership_edges(
        [
            ("r1", Membership("r2", admin=False, inherit=True, set=True)),
            ("r2", Membership("escape", admin=False, inherit=False, set=True)),
        ]
    )
    roles = [
        Role(name, member_of=edges.get(name, ()), effective=effective_memberships(name, edges))
        for name in ("anon", "authenticated", "r1", "r2", "escape")
    ]
    roles.append(Role("root", superuser=True))
    return Catalog(
        server_version_num=150000,
        database="app",
        tables=(
            table("tenants", tenant=False),
            table("users"),
            table("orders", kind="partitioned table"),
            table("orders_2024", is_partition=True, partition_parent="public.orders"),
            table("user_view", kind="view"),
        ),
        policies=(policy("users", "users_select", "SELECT"), policy("users", "users_all")),
        grants=(
            Grant("anon", "SELECT", False, "table", "public.users"),
            Grant("anon", "UPDATE", False, "column", "public.users", column="email"),
            Grant("PUBLIC", "EXECUTE", False, "function", "public.open()"),
        ),
        functions=(
            function("open", ("PUBLIC",)),
            function("closed", ("postgres",), "uuid"),
            function("for_r2", ("r2",), "uuid, text"),
            function("for_escape", ("escape",)),
        ),
        indexes=(Index("public", "users", "users_tenant_idx", ("tenant_id", "lower(email)")),),
        constraints=(
            Constraint("public", "users", "users_pkey", "primary key", ("id",), "PRIMARY KEY (id)"),
        ),
        roles=tuple(roles),
    )


def test_table_lookup(catalog: Catalog) -> None:
    assert catalog.table("public.users").name == "users"
    assert catalog.find_table("public.nope") is None
    with pytest.raises(KeyError, match=r"public\.nope"):
        catalog.table("public.nope")
    assert catalog.table("public.users").column("tenant_id") is not None
    assert catalog.table("public.users").column("nope") is None


def test_tenant_tables_are_tables_with_the_tenant_column(catalog: Catalog) -> None:
    names = [t.qualified_name for t in catalog.tenant_tables()]
    assert names == ["public.users", "public.orders", "public.orders_2024"]


def test_lookups_by_name_or_object(catalog: Catalog) -> None:
    users = catalog.table("public.users")
    assert [p.name for p in catalog.policies_for(users)] == ["users_select", "users_all"]
    assert catalog.policies_for("public.tenants") == ()
    assert {g.qualified_name for g in catalog.grants_on(users)} == {
        "public.users",
        "public.users.email",
    }
    assert catalog.indexes_on("public.users")[0].leading_column == "tenant_id"
    assert catalog.indexes_on("public.orders") == ()
    assert [c.name for c in catalog.constraints_on(users)] == ["users_pkey"]
    assert catalog.triggers_on(users) == ()
    assert catalog.function("public.for_r2(uuid, text)") is not None
    assert [g.grantee for g in catalog.grants_on(catalog.functions[0])] == ["PUBLIC"]


def test_qualified_names() -> None:
    assert function("get_user_tenant_id", (), "uuid").qualified_name == (
        "public.get_user_tenant_id(uuid)"
    )
    assert policy("users", "p").qualified_name == "p on public.users"
    idx = Index("public", "users", "i", ("a",), include=("b",), predicate="a > 1", unique=True)
    assert idx.qualified_name == "public.i"
    assert idx.definition == (
        "CREATE UNIQUE INDEX i ON public.users USING btree (a) INCLUDE (b) WHERE a > 1"
    )


def test_functions_executable_by_follows_inheriting_chains(catalog: Catalog) -> None:
    def callable_by(role: str) -> set[str]:
        return {f.name for f in catalog.functions_executable_by(role)}

    assert callable_by("anon") == {"open"}
    assert callable_by("r1") == {"open", "for_r2"}  # r2 is inherited; escape needs SET ROLE
    assert callable_by("root") == {"open", "closed", "for_r2", "for_escape"}
    assert callable_by("nobody") == {"open"}


def test_effective_memberships(catalog: Catalog) -> None:
    r1 = catalog.role("r1")
    reach = {m.role: m for m in r1.effective}
    assert set(reach) == {"r2", "escape"}
    assert reach["escape"].path == ("r2", "escape")
    assert reach["escape"].set and not reach["escape"].inherit
    assert r1.can_set_role("escape") and not r1.inherits_from("escape")
    assert r1.inherits_from("r2")
    assert catalog.role("root").can_set_role("escape")
    with pytest.raises(KeyError):
        catalog.role("ghost")


def test_effective_memberships_take_the_best_chain() -> None:
    edges = membership_edges(
        [
            ("a", Membership("b", False, inherit=False, set=True)),
            ("a", Membership("c", False, inherit=True, set=False)),
            ("b", Membership("d", False, inherit=True, set=True)),
            ("c", Membership("d", False, inherit=True, set=True)),
            ("d", Membership("a", False, inherit=True, set=True)),  # a cycle
        ]
    )
    reach = {m.role: m for m in effective_memberships("a", edges)}
    assert set(reach) == {"b", "c", "d"}
    assert reach["d"].inherit and reach["d"].set  # via c, and via b


def test_models_are_frozen_and_slotted(catalog: Catalog) -> None:
    users = catalog.table("public.users")
    with pytest.raises(dataclasses.FrozenInstanceError):
        users.rls_enabled = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.database = "other"  # type: ignore[misc]
    assert not hasattr(users, "__dict__") and not hasattr(catalog, "__dict__")
    assert hash(users) == hash(dataclasses.replace(users))


def test_replace_rebuilds_the_lookups(catalog: Catalog) -> None:
    fewer = dataclasses.replace(catalog, tables=catalog.tables[:2])
    assert [t.name for t in fewer.tenant_tables()] == ["users"]
    assert fewer == dataclasses.replace(fewer)
    assert fewer != catalog


def test_function_settings() -> None:
    pinned = dataclasses.replace(
        function("f", ()), config=(("search_path", "public, pg_temp"), ("work_mem", "1MB"))
    )
    assert pinned.search_path == "public, pg_temp"
    assert pinned.settings == {"search_path": "public, pg_temp", "work_mem": "1MB"}
    assert function("g", ()).search_path is None


@pytest.mark.parametrize("name", QUERIES)
def test_catalog_queries_follow_the_conventions(name: str) -> None:
    """pg_catalog only, schema-qualified, bound parameters, a deterministic order."""
    text = query(name)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    assert "information_schema." not in body
    relations = re.findall(r"\b(?:from|join)\s+([a-z_][\w.]*)", body, flags=re.IGNORECASE)
    outside = [r for r in relations if ("." in r or r.startswith("pg_"))]
    assert all(r.startswith("pg_catalog.") for r in outside), outside
    assert set(re.findall(r"%\((\w+)\)s", body)) <= {"tenant_column"}
    assert "{" not in body.replace("'{}'", "")  # no str.format placeholders
    if name != "server":
        assert re.search(r"^order by\b", body, flags=re.MULTILINE), "needs a top-level ORDER BY"
