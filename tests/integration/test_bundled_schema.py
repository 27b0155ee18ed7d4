"""The bundled schema and the compatibility shim, on every backend."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from harness.schema_loader import apply_shim
from harness.target.janitor import build_template, clone, drop_database

pytestmark = pytest.mark.integration

POSTURE = """
select 'role', rolname || ':' || rolsuper || rolbypassrls || rolcanlogin
  from pg_roles where rolname in ('postgres', 'anon', 'authenticated', 'service_role')
union all
select 'nsp', nspname || ':' || nspowner::regrole::text || ':' || coalesce(nspacl::text, '')
  from pg_namespace where nspname in ('public', 'auth', 'extensions')
union all
select 'proc', p.oid::regprocedure::text from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'auth'
union all
select 'defacl', defaclrole::regrole::text || ':' || defaclobjtype::text || ':' || defaclacl::text
  from pg_default_acl
union all
select 'ext', extname from pg_extension
order by 1, 2
"""


def posture(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute(POSTURE).fetchall()


def test_shim_is_idempotent(rls_blank_conn):
    before = posture(rls_blank_conn)
    assert ("role", "authenticated:falsefalsefalse") in before
    assert ("role", "service_role:falsetruefalse") in before
    assert any(kind == "proc" and text.startswith("auth.uid()") for kind, text in before)
    apply_shim(rls_blank_conn, owner_role="postgres")
    apply_shim(rls_blank_conn, owner_role="postgres")
    assert posture(rls_blank_conn) == before


def test_owner_role_is_a_non_superuser_with_bypassrls_and_owns_the_schema(rls_conn):
    owner = rls_conn.execute(
        "select rolsuper, rolbypassrls from pg_roles where rolname = 'postgres'"
    ).fetchone()
    assert owner == (False, True)
    owners = {
        r[0]
        for r in rls_conn.execute(
            "select c.relowner::regrole::text from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')"
        )
    }
    assert owners == {"postgres"}


def test_every_tenant_table_has_rls_enabled_and_forced(rls_conn):
    rows = rls_conn.execute(
        """
        select c.relname, c.relrowsecurity, c.relforcerowsecurity
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
         where n.nspname = 'public' and c.relkind in ('r', 'p') and not a.attisdropped
        """
    ).fetchall()
    assert len(rows) >= 12
    assert [r[0] for r in rows if not (r[1] and r[2])] == []


def test_owner_role_is_configurable(rls_target, repo_root):
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as admin:
        admin.execute("drop role if exists school_owner")
    template, _ = build_template(rls_target, repo_root / "schema", owner_role="school_owner")
    name = clone(rls_target, template, owner_role="school_owner")
    try:
        with psycopg.connect(rls_target.conninfo(name), autocommit=True) as conn:
            owners = {
                r[0]
                for r in conn.execute(
                    "select tableowner from pg_tables where schemaname = 'public'"
                )
            }
            assert owners == {"school_owner"}
    finally:
        drop_database(rls_target, name)
        drop_database(rls_target, template)


def test_encryption_uses_pgcrypto_or_names_it_when_missing(rls_conn):
    has = rls_conn.execute("select count(*) from pg_extension where extname = 'pgcrypto'")
    installed = has.fetchone()[0] == 1
    available = rls_conn.execute(
        "select count(*) from pg_available_extensions where name = 'pgcrypto'"
    ).fetchone()[0]
    assert installed == bool(available)
    with rls_conn.transaction(force_rollback=True):
        rls_conn.execute("select set_config('app.encryption_key_default', 's3cret', true)")
        if installed:
            out = rls_conn.execute(
                "select decrypt_sensitive_data(encrypt_sensitive_data('hello'))"
            ).fetchone()
            assert out == ("hello",)
            return
    with pytest.raises(psycopg.Error, match="pgcrypto"):
        rls_conn.execute("select encrypt_sensitive_data('hello')")


def test_authenticated_sees_only_its_own_tenant(rls_conn):
    a, b = uuid.uuid4(), uuid.uuid4()
    with rls_conn.transaction(force_rollback=True):
        for tenant in (a, b):
            rls_conn.execute(
                "insert into tenants (id, name, slug) values (%s, %s, %s)",
                (tenant, f"school {tenant}", f"s-{tenant}"),
            )
            rls_conn.execute(
                "insert into branches (tenant_id, name, code) values (%s, 'main', 'MAIN')",
                (tenant,),
            )
        rls_conn.execute("set local role authenticated")
        assert rls_conn.execute("select count(*) from branches").fetchone() == (0,)
        rls_conn.execute("select set_config('app.current_tenant_id', %s, true)", (str(a),))
        seen = rls_conn.execute("select tenant_id from branches").fetchall()
        assert seen == [(a,)]
        deleted = rls_conn.execute("delete from branches where tenant_id = %s", (b,)).rowcount
        assert deleted == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            rls_conn.execute("truncate branches cascade")
