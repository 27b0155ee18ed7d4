"""The catalog snapshot against a real server: each object kind, read back as created."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from harness.catalog import Catalog, load_catalog

pytestmark = pytest.mark.integration


def as_owner(conn: psycopg.Connection, ddl: str) -> None:
    """Run DDL as the schema owner role, as migrations do in production."""
    conn.execute("set role postgres")
    try:
        conn.execute(ddl)
    finally:
        conn.execute("reset role")


def snapshot(conn: psycopg.Connection, **kwargs: object) -> Catalog:
    return load_catalog(conn, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def make_role(rls_blank_conn: psycopg.Connection) -> Iterator[object]:
    """Roles are cluster-wide: unique names, dropped after the test."""
    made: list[str] = []

    def make(prefix: str, options: str = "nologin") -> str:
        name = f"{prefix}_{secrets.token_hex(3)}"
        rls_blank_conn.execute(sql.SQL("create role {} " + options).format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    for name in reversed(made):
        rls_blank_conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(name)))


def test_rls_flags_columns_and_tenant_column(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.tenants (id uuid primary key, name text not null);
        create table public.plain (id bigint generated always as identity primary key,
                                   tenant_id uuid not null,
                                   note varchar(40) default 'x',
                                   note_len int generated always as (length(note)) stored);
        create table public.enabled (id uuid primary key, tenant_id uuid not null);
        alter table public.enabled enable row level security;
        create table public.forced (id uuid primary key, tenant_id uuid);
        alter table public.forced enable row level security;
        alter table public.forced force row level security;
        """,
    )
    cat = snapshot(rls_blank_conn)
    plain, enabled, forced = (cat.table(f"public.{n}") for n in ("plain", "enabled", "forced"))
    assert (plain.rls_enabled, plain.rls_forced) == (False, False)
    assert (enabled.rls_enabled, enabled.rls_forced) == (True, False)
    assert (forced.rls_enabled, forced.rls_forced) == (True, True)
    assert {t.qualified_name for t in cat.tenant_tables()} >= {
        "public.plain",
        "public.enabled",
        "public.forced",
    }
    assert cat.find_table("public.tenants") is not None
    assert cat.table("public.tenants").tenant_column is None
    assert "public.tenants" not in {t.qualified_name for t in cat.tenant_tables()}
    assert plain.owner == "postgres" and plain.kind == "table"
    assert plain.tenant_column == "tenant_id"
    assert [c.name for c in plain.columns] == ["id", "tenant_id", "note", "note_len"]
    ident, tenant, note, length = plain.columns
    assert ident.identity == "always" and ident.is_identity and ident.not_null
    assert tenant.type == "uuid" and tenant.not_null and tenant.default is None
    assert note.type == "character varying(40)" and note.default is not None
    assert "'x'" in note.default and not note.not_null
    assert length.generated == "stored" and length.is_generated
    assert forced.column("tenant_id") is not None and not forced.column("tenant_id").not_null
    assert cat.table("auth.users").schema == "auth"
    assert cat.database == rls_blank_conn.info.dbname
    assert cat.server_version_num == rls_blank_conn.info.server_version


def test_tenant_column_is_configurable(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.projects (id uuid primary key, org_id uuid not null,
                                      unique (org_id, id));
        create table public.items (id uuid primary key, tenant_id uuid not null);
        """,
    )
    by_org = snapshot(rls_blank_conn, tenant_column="org_id")
    assert [t.qualified_name for t in by_org.tenant_tables()] == ["public.projects"]
    assert by_org.table("public.projects").tenant_column == "org_id"
    assert by_org.table("public.items").tenant_column is None
    assert by_org.tenant_column == "org_id"
    (unique,) = [c for c in by_org.constraints_on("public.projects") if c.type == "unique"]
    assert unique.includes_tenant_column
    default = snapshot(rls_blank_conn)
    assert [t.qualified_name for t in default.tenant_tables()] == ["public.items"]


def test_policies(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.docs (id uuid primary key, tenant_id uuid not null);
        alter table public.docs enable row level security;
        create policy docs_select on public.docs for select to authenticated, anon
          using (tenant_id = current_setting('app.current_tenant_id', true)::uuid);
        create policy docs_insert on public.docs for insert to authenticated
          with check (tenant_id = current_setting('app.current_tenant_id', true)::uuid);
        create policy docs_update on public.docs for update
          using (true) with check (tenant_id is not null);
        create policy docs_delete on public.docs as restrictive for delete to authenticated
          using (false);
        create policy docs_all on public.docs using (tenant_id = auth.uid());
        """,
    )
    cat = snapshot(rls_blank_conn)
    policies = {p.name: p for p in cat.policies_for("public.docs")}
    assert set(policies) == {"docs_select", "docs_insert", "docs_update", "docs_delete", "docs_all"}
    select, insert = policies["docs_select"], policies["docs_insert"]
    assert select.command == "SELECT" and select.permissive
    assert select.roles == ("anon", "authenticated")
    assert "current_setting('app.current_tenant_id'" in (select.using or "")
    assert select.with_check is None
    assert insert.command == "INSERT" and insert.using is None
    assert "tenant_id =" in (insert.with_check or "")
    update = policies["docs_update"]
    assert update.roles == ("public",) and update.using == "true"
    assert update.with_check == "(tenant_id IS NOT NULL)"
    delete = policies["docs_delete"]
    assert delete.command == "DELETE" and not delete.permissive and delete.using == "false"
    everything = policies["docs_all"]
    assert everything.command == "ALL" and everything.applies_to("UPDATE")
    assert everything.using == "(tenant_id = auth.uid())"
    assert everything.qualified_name == "docs_all on public.docs"
    assert cat.policies_for(cat.table("public.docs")) == cat.policies_for("public.docs")


def test_partitions_and_inheritance(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.events (tenant_id uuid not null, at date not null, body text)
          partition by range (at);
        create table public.events_2024 partition of public.events
          for values from ('2024-01-01') to ('2025-01-01');
        create table public.base (id int, tenant_id uuid);
        create table public.child (extra text) inherits (public.base);
        """,
    )
    cat = snapshot(rls_blank_conn)
    parent, part = cat.table("public.events"), cat.table("public.events_2024")
    assert parent.kind == "partitioned table" and parent.partition_key == "RANGE (at)"
    assert not parent.is_partition and parent.partition_parent is None
    assert part.kind == "table" and part.is_partition
    assert part.partition_parent == "public.events" and part.inheritance_parents == ()
    assert "2024-01-01" in (part.partition_bound or "")
    child = cat.table("public.child")
    assert child.inheritance_parents == ("public.base",) and child.partition_parent is None
    assert not child.is_partition
    tenant = {t.qualified_name for t in cat.tenant_tables()}
    assert {"public.events", "public.events_2024", "public.base", "public.child"} <= tenant


def test_views_and_materialized_views(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.orders (id uuid primary key, tenant_id uuid not null, total int);
        create function public.visible(t uuid) returns boolean language sql stable
          as $$ select t is not null $$;
        create view public.orders_invoker with (security_invoker = true) as
          select id, tenant_id from public.orders;
        create view public.orders_barrier with (security_barrier) as
          select * from public.orders where public.visible(tenant_id) with local check option;
        create view public.orders_definer as select o.id, u.email
          from public.orders o join auth.users u on u.id = o.id;
        create materialized view public.order_totals as
          select tenant_id, sum(total) as total from public.orders group by tenant_id;
        """,
    )
    cat = snapshot(rls_blank_conn)
    invoker = cat.view("public.orders_invoker")
    barrier = cat.view("public.orders_barrier")
    definer = cat.view("public.orders_definer")
    assert invoker is not None and barrier is not None and definer is not None
    assert invoker.security_invoker and not invoker.security_barrier
    assert invoker.reads == ("public.orders",) and invoker.check_option is None
    assert barrier.security_barrier and not barrier.security_invoker
    assert barrier.check_option == "local"
    assert barrier.calls == ("public.visible(uuid)",)
    assert not definer.security_invoker
    assert set(definer.reads) == {"public.orders", "auth.users"}
    assert "public.orders" in definer.definition
    assert cat.table("public.orders_definer").kind == "view"
    matview = cat.materialized_view("public.order_totals")
    assert matview is not None and matview.populated and matview.reads == ("public.orders",)
    assert cat.table("public.order_totals").kind == "materialized view"
    # A materialized view with the tenant column is not a table RLS could protect.
    assert "public.order_totals" not in {t.qualified_name for t in cat.tenant_tables()}


def test_functions(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.members (user_id uuid primary key, tenant_id uuid not null);
        create function public.get_user_tenant_id(p_user uuid) returns uuid
          language sql stable security definer
          as $$ select tenant_id from public.members where user_id = p_user $$;
        create function public.pinned(a int, b text default 'x') returns setof text
          language plpgsql security definer set search_path = public, pg_temp
          as $$ begin return next b; end $$;
        revoke execute on function public.pinned(int, text) from public;
        revoke execute on function public.pinned(int, text) from anon;
        create procedure public.tidy() language sql as $$ select 1 $$;
        """,
    )
    rls_blank_conn.execute(
        "create function public.same(a uuid, b uuid) returns boolean language sql immutable "
        "leakproof as $$ select a = b $$"
    )
    cat = snapshot(rls_blank_conn)
    getter = cat.function("public.get_user_tenant_id(uuid)")
    pinned = cat.function("public.pinned(integer, text)")
    same = cat.function("public.same(uuid, uuid)")
    assert getter is not None and pinned is not None and same is not None
    assert getter.security_definer and getter.search_path is None and getter.config == ()
    assert getter.language == "sql" and getter.volatility == "stable"
    assert getter.return_type == "uuid" and getter.arg_types == ("uuid",)
    assert getter.owner == "postgres" and "from public.members" in getter.source
    assert getter.qualified_name == "public.get_user_tenant_id(uuid)"
    assert "PUBLIC" in getter.executable_by and "anon" in getter.executable_by
    assert pinned.search_path == "public, pg_temp"
    assert pinned.config == (("search_path", "public, pg_temp"),)
    assert pinned.returns_set and pinned.return_type == "SETOF text"
    assert pinned.arg_types == ("integer", "text") and pinned.language == "plpgsql"
    assert "PUBLIC" not in pinned.executable_by and "anon" not in pinned.executable_by
    assert {"authenticated", "service_role", "postgres"} <= set(pinned.executable_by)
    assert same.leakproof and same.volatility == "immutable" and not same.security_definer
    tidy = cat.function("public.tidy()")
    assert tidy is not None and tidy.kind == "procedure"
    anon_may = {f.signature for f in cat.functions_executable_by("anon")}
    assert "public.get_user_tenant_id(uuid)" in anon_may
    assert "public.pinned(integer, text)" not in anon_may
    assert "auth.uid()" in {f.signature for f in cat.functions}


def test_grants(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.accounts (id uuid primary key, tenant_id uuid, email text);
        revoke all on public.accounts from anon, authenticated;
        grant select on public.accounts to authenticated with grant option;
        grant truncate, references, trigger on public.accounts to authenticated;
        grant select (id), update (email) on public.accounts to anon;
        create sequence public.counter;
        """,
    )
    cat = snapshot(rls_blank_conn)
    grants = cat.grants_on("public.accounts")
    table = {(g.grantee, g.privilege, g.grantable) for g in grants if g.column is None}
    assert ("authenticated", "SELECT", True) in table
    assert {("authenticated", p, False) for p in ("TRUNCATE", "REFERENCES", "TRIGGER")} <= table
    assert not any(g.grantee == "anon" for g in grants if g.column is None)
    assert {p for (who, p, _) in table if who == "service_role"} >= {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
    }
    columns = {(g.grantee, g.privilege, g.column) for g in grants if g.column}
    assert columns == {("anon", "SELECT", "id"), ("anon", "UPDATE", "email")}
    column_grant = next(g for g in grants if g.column == "email")
    assert column_grant.object_kind == "column"
    assert column_grant.qualified_name == "public.accounts.email"
    assert column_grant.grantor == "postgres"
    kinds = {g.object_kind for g in grants if g.column is None}
    assert kinds == {"table"}
    assert any(g.privilege == "USAGE" for g in cat.grants_on("public.counter"))
    schema = {(g.grantee, g.privilege) for g in cat.grants_on("public")}
    assert ("anon", "USAGE") in schema
    auth_uid = {g.grantee for g in cat.grants_on("auth.uid()")}
    assert auth_uid  # someone may call it: at least its owner
    assert any(g.object_kind == "database" for g in cat.grants)


def test_default_privileges(rls_blank_conn: psycopg.Connection) -> None:
    rls_blank_conn.execute(
        "alter default privileges for role postgres revoke execute on functions from public"
    )
    cat = snapshot(rls_blank_conn)
    shim = [d for d in cat.default_privileges if d.schema == "public" and d.grantee == "anon"]
    assert {d.object_type for d in shim} >= {"table", "sequence", "function"}
    table = next(d for d in shim if d.object_type == "table")
    assert table.owner == "postgres" and "SELECT" in table.privileges
    assert "TRUNCATE" in table.privileges
    everywhere = [d for d in cat.default_privileges if d.schema is None]
    assert everywhere and all(d.object_type == "function" for d in everywhere)
    assert "PUBLIC" not in {d.grantee for d in everywhere}
    assert {d.grantee for d in everywhere} == {"postgres"}


def test_constraints_and_indexes(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.parents (id uuid primary key, tenant_id uuid not null,
                                     slug text not null,
                                     constraint parents_tenant_id_id_key unique (tenant_id, id),
                                     constraint parents_slug_key unique (slug));
        create table public.kids (id uuid primary key, tenant_id uuid not null,
                                  parent_id uuid not null, other_id uuid,
                                  age int check (age >= 0),
                                  constraint kids_parent_fk foreign key (tenant_id, parent_id)
                                    references public.parents (tenant_id, id) on delete cascade,
                                  constraint kids_other_fk foreign key (other_id)
                                    references public.parents (id));
        create index kids_tenant_idx on public.kids (tenant_id, parent_id);
        create unique index kids_lower_idx on public.kids (lower(id::text)) include (age)
          where age > 3;
        """,
    )
    cat = snapshot(rls_blank_conn)
    cons = {c.name: c for c in cat.constraints_on("public.kids")}
    composite, single = cons["kids_parent_fk"], cons["kids_other_fk"]
    assert composite.type == "foreign key" and composite.columns == ("tenant_id", "parent_id")
    assert composite.referenced_table == "public.parents"
    assert composite.referenced_columns == ("tenant_id", "id")
    assert composite.includes_tenant_column and composite.on_delete == "CASCADE"
    assert single.columns == ("other_id",) and single.referenced_columns == ("id",)
    assert not single.includes_tenant_column and single.on_delete == "NO ACTION"
    assert "REFERENCES public.parents(id)" in single.definition
    check = next(c for c in cons.values() if c.type == "check")
    assert check.columns == ("age",) and "age >= 0" in check.definition
    assert cons["kids_pkey"].type == "primary key" and cons["kids_pkey"].columns == ("id",)
    parents = {c.name: c for c in cat.constraints_on("public.parents")}
    assert parents["parents_tenant_id_id_key"].includes_tenant_column
    assert not parents["parents_slug_key"].includes_tenant_column

    idx = {i.name: i for i in cat.indexes_on("public.kids")}
    assert idx["kids_tenant_idx"].columns == ("tenant_id", "parent_id")
    assert idx["kids_tenant_idx"].leading_column == "tenant_id"
    assert not idx["kids_tenant_idx"].unique and idx["kids_tenant_idx"].method == "btree"
    assert idx["kids_pkey"].primary and idx["kids_pkey"].unique
    lowered = idx["kids_lower_idx"]
    assert lowered.unique and lowered.columns == ("lower(id::text)",)
    assert lowered.include == ("age",) and lowered.predicate == "age > 3"
    assert lowered.definition.startswith("CREATE UNIQUE INDEX kids_lower_idx ON public.kids")
    parent_idx = {i.name: i for i in cat.indexes_on("public.parents")}
    assert parent_idx["parents_tenant_id_id_key"].columns == ("tenant_id", "id")
    assert parent_idx["parents_slug_key"].leading_column == "slug"


def test_role_chains(rls_blank_conn: psycopg.Connection, make_role) -> None:
    bypass = make_role("cat_bypass", "nologin bypassrls")
    middle = make_role("cat_middle")
    r1 = make_role("cat_r1", "login noinherit")
    for role, member in ((bypass, middle), (middle, r1)):
        rls_blank_conn.execute(
            sql.SQL("grant {} to {}").format(sql.Identifier(role), sql.Identifier(member))
        )
    cat = snapshot(rls_blank_conn)
    assert cat.role(bypass).bypassrls and not cat.role(bypass).login
    first = cat.role(r1)
    assert first.login and not first.inherit and not first.superuser
    assert [m.role for m in first.member_of] == [middle]
    reach = {m.role: m for m in first.effective}
    assert set(reach) == {middle, bypass}
    assert reach[bypass].path == (middle, bypass)
    # NOINHERIT: r1 must SET ROLE to use the grants, but it can, down the whole chain.
    assert reach[bypass].set and not reach[bypass].inherit
    assert first.can_set_role(bypass) and not first.inherits_from(bypass)
    assert cat.role(middle).inherits_from(bypass)
    assert cat.role("service_role").bypassrls
    assert cat.role("postgres").bypassrls and not cat.role("postgres").superuser


def test_role_grant_options_pg16(rls_blank_conn: psycopg.Connection, make_role) -> None:
    if rls_blank_conn.info.server_version < 160000:
        pytest.skip("per-grant INHERIT and SET options arrived in PostgreSQL 16")
    target = make_role("cat_target", "nologin bypassrls")
    member = make_role("cat_member")
    rls_blank_conn.execute(
        sql.SQL("grant {} to {} with inherit true, set false").format(
            sql.Identifier(target), sql.Identifier(member)
        )
    )
    (grant,) = snapshot(rls_blank_conn).role(member).member_of
    assert (grant.role, grant.inherit, grant.set, grant.admin) == (target, True, False, False)


def test_triggers(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.notes (id uuid primary key, tenant_id uuid);
        create function public.set_tenant() returns trigger language plpgsql as $$
          begin new.tenant_id := current_setting('app.current_tenant_id')::uuid;
          return new; end $$;
        create trigger notes_set_tenant before insert or update on public.notes
          for each row execute function public.set_tenant();
        create trigger notes_audit after truncate on public.notes
          for each statement execute function public.set_tenant();
        alter table public.notes disable trigger notes_audit;
        """,
    )
    cat = snapshot(rls_blank_conn)
    triggers = {t.name: t for t in cat.triggers_on("public.notes")}
    setter, audit = triggers["notes_set_tenant"], triggers["notes_audit"]
    assert setter.function == "public.set_tenant()" and setter.timing == "BEFORE"
    assert setter.events == ("INSERT", "UPDATE") and setter.level == "ROW" and setter.enabled
    assert audit.timing == "AFTER" and audit.events == ("TRUNCATE",)
    assert audit.level == "STATEMENT" and not audit.enabled and audit.enabled_mode == "disabled"
    assert "BEFORE INSERT OR UPDATE" in setter.definition


def test_system_and_extension_objects_are_left_out(rls_blank_conn: psycopg.Connection) -> None:
    conn = rls_blank_conn
    if conn.execute(
        "select 1 from pg_catalog.pg_available_extensions where name = 'pg_stat_statements'"
    ).fetchone():
        conn.execute("create extension if not exists pg_stat_statements")
    members = conn.execute(
        """
        select n.nspname, c.relname
        from pg_catalog.pg_depend d
        join pg_catalog.pg_class c on d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
          and c.oid = d.objid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where d.deptype = 'e'
        union
        select n.nspname, p.proname
        from pg_catalog.pg_depend d
        join pg_catalog.pg_proc p on d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          and p.oid = d.objid
        join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where d.deptype = 'e' and n.nspname <> 'pg_catalog'
        """
    ).fetchall()
    cat = snapshot(conn)
    schemas = {t.schema for t in cat.tables} | {f.schema for f in cat.functions}
    assert not schemas & {"pg_catalog", "information_schema", "pg_toast"}
    assert {s.name for s in cat.schemas} >= {"public", "auth"}
    found = {(t.schema, t.name) for t in cat.tables} | {(f.schema, f.name) for f in cat.functions}
    assert not found & set(members)


def test_snapshot_leaves_the_connection_as_found(rls_blank_conn: psycopg.Connection) -> None:
    conn = rls_blank_conn
    as_owner(conn, "create table public.scratch (id int)")
    path = conn.execute("show search_path").fetchone()
    first = snapshot(conn)
    assert conn.autocommit and conn.info.transaction_status.name == "IDLE"
    assert conn.execute("show search_path").fetchone() == path
    assert snapshot(conn) == first  # deterministic

    conn.autocommit = False
    try:
        snapshot(conn)
        assert conn.info.transaction_status.name == "IDLE"
        conn.execute("insert into public.scratch values (1)")
        inside = snapshot(conn)
        assert conn.info.transaction_status.name == "INTRANS"
        conn.execute("insert into public.scratch values (2)")  # still writable
        assert conn.execute("show search_path").fetchone() == path
        conn.commit()
    finally:
        conn.autocommit = True
    assert inside.find_table("public.scratch") is not None
    assert conn.execute("select count(*) from public.scratch").fetchone() == (2,)


def test_snapshot_as_a_non_superuser(rls_blank_conn: psycopg.Connection) -> None:
    as_owner(
        rls_blank_conn,
        """
        create table public.secret (id uuid primary key, tenant_id uuid not null);
        alter table public.secret enable row level security;
        create policy secret_p on public.secret using (tenant_id = auth.uid());
        revoke all on public.secret from anon;
        """,
    )
    rls_blank_conn.execute("set role anon")
    try:
        cat = snapshot(rls_blank_conn)
    finally:
        rls_blank_conn.execute("reset role")
    assert cat.table("public.secret").rls_enabled
    assert [p.name for p in cat.policies_for("public.secret")] == ["secret_p"]


def test_bundled_schema_smoke(rls_conn: psycopg.Connection) -> None:
    cat = snapshot(rls_conn)
    tenant = cat.tenant_tables()
    assert len(tenant) >= 12
    assert all(t.rls_enabled and t.rls_forced for t in tenant), [
        t.qualified_name for t in tenant if not (t.rls_enabled and t.rls_forced)
    ]
    assert {t.owner for t in tenant} == {"postgres"}
