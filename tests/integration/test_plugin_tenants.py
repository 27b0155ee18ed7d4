"""The plugin's fixtures for teams' own isolation tests: tenant_factory, as_tenant and the
assertion helpers, on the bundled schema and on a JWT-claims schema with org_id."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness.db import ContextSpec
from harness.probes.assertions import (
    assert_denied,
    assert_isolated,
    assert_no_rows,
    visible_tenants,
)

pytestmark = pytest.mark.integration
ORG_JWT = Path(__file__).resolve().parents[1] / "schemas" / "probe_org_jwt"
JWT = ContextSpec(mode="jwt", claim_path=("app_metadata", "org_id"))


def test_tenants_are_generated_and_isolated_on_the_bundled_schema(
    rls_conn: psycopg.Connection, tenant_factory, as_tenant
) -> None:
    a, b = tenant_factory(rls_conn, 2)
    c = tenant_factory(rls_conn, 1)[0]
    assert len({a, b, c}) == 3
    assert set(visible_tenants(rls_conn, "public.branches")) >= {a, b, c}  # as superuser
    with as_tenant(rls_conn, a) as conn:
        assert_isolated(conn, "public.branches", a, sees_own=True)
        assert_isolated(conn, "public.students", a)
        assert_denied(conn, "update public.branches set name = name where tenant_id = %s", (b,))
    with as_tenant(rls_conn, None) as conn:
        assert_no_rows(conn, "public.branches")
    with as_tenant(rls_conn, None, raw="not-a-uuid") as conn:
        assert_no_rows(conn, "public.branches")
    assert rls_conn.execute("select current_user").fetchone()[0] != "authenticated"


def test_helpers_catch_the_leaks_of_a_flawed_jwt_schema(
    rls_template_factory, rls_clone_factory, tenant_factory, as_tenant
) -> None:
    conn = rls_clone_factory(rls_template_factory(ORG_JWT))
    a, b = tenant_factory(conn, 2, tenant_column="org_id")
    with as_tenant(conn, a, context=JWT) as acting:
        assert_isolated(acting, "public.workspaces", a, tenant_column="org_id", sees_own=True)
        with pytest.raises(AssertionError, match="other tenant"):
            assert_isolated(acting, "public.documents", a, tenant_column="org_id")
        with pytest.raises(AssertionError, match="other tenant"):
            assert_isolated(acting, "public.audit_events", a, tenant_column="org_id")
        assert_denied(acting, "delete from public.workspaces where org_id = %s", (b,))
        with pytest.raises(AssertionError, match="allowed"):
            assert_denied(acting, "delete from public.workspaces where org_id = %s", (a,))
    with as_tenant(conn, None, context=JWT) as acting:
        assert_no_rows(acting, "public.workspaces")
        with pytest.raises(AssertionError, match="expected none"):
            assert_no_rows(acting, "public.documents")
