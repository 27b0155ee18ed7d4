"""harness.db against a real server: identity is set per savepoint and undone after."""

from __future__ import annotations

import json

import psycopg
import pytest

from harness import db

pytestmark = pytest.mark.integration
TENANT = "11111111-1111-1111-1111-111111111111"


def current(conn: psycopg.Connection, name: str) -> str | None:
    return conn.execute("select pg_catalog.current_setting(%s, true)", (name,)).fetchone()[0]


def test_as_actor_sets_role_and_guc_then_restores(rls_blank_conn: psycopg.Connection) -> None:
    conn = rls_blank_conn
    login = conn.execute("select current_user").fetchone()[0]
    with db.audit_transaction(conn, db.Timeouts(statement_ms=1234, lock_ms=567)):
        assert current(conn, "statement_timeout") == "1234ms"
        assert current(conn, "lock_timeout") == "567ms"
        with db.as_actor(conn, db.Actor("authenticated", TENANT)):
            assert conn.execute("select current_user").fetchone()[0] == "authenticated"
            assert current(conn, "app.current_tenant_id") == TENANT
        assert conn.execute("select current_user").fetchone()[0] == login
        assert current(conn, "app.current_tenant_id") in (None, "")
    assert current(conn, "statement_timeout") != "1234ms"


def test_jwt_claims_with_a_nested_claim_path(rls_blank_conn: psycopg.Connection) -> None:
    spec = db.ContextSpec(mode="jwt", claim_path=("app_metadata", "org_id"))
    actor = db.Actor("authenticated", TENANT, sub="22222222-2222-2222-2222-222222222222")
    with db.audit_transaction(rls_blank_conn), db.as_actor(rls_blank_conn, actor, spec):
        claims = json.loads(current(rls_blank_conn, db.CLAIMS_GUC) or "{}")
        uid = rls_blank_conn.execute("select auth.uid()::text").fetchone()[0]
    assert claims["app_metadata"]["org_id"] == TENANT
    assert claims["role"] == "authenticated"
    assert uid == actor.sub


def test_custom_sql_snippet_gets_bound_parameters(rls_blank_conn: psycopg.Connection) -> None:
    spec = db.ContextSpec(
        mode="sql", snippet="select pg_catalog.set_config('app.org', %(tenant)s, true)"
    )
    actor = db.Actor("anon", "it's; drop table x")
    with db.audit_transaction(rls_blank_conn), db.as_actor(rls_blank_conn, actor, spec):
        assert current(rls_blank_conn, "app.org") == "it's; drop table x"
        assert rls_blank_conn.execute("select current_user").fetchone()[0] == "anon"


def test_role_names_are_identifiers_not_sql(rls_blank_conn: psycopg.Connection) -> None:
    actor = db.Actor('authenticated"; reset role; --', TENANT)
    with (
        db.audit_transaction(rls_blank_conn),
        pytest.raises(psycopg.errors.InvalidParameterValue),
        db.as_actor(rls_blank_conn, actor),
    ):
        pass


def test_reproducer_prelude_is_plain_sql(rls_blank_conn: psycopg.Connection) -> None:
    text = db.reproducer_prelude(
        db.Actor("authenticated", TENANT), db.ContextSpec(), rls_blank_conn
    )
    assert "set_config('app.current_tenant_id', '11111111" in text
    assert text.endswith('set local role "authenticated";')
