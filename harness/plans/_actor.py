"""Acting as one tenant, the way the trusted API server does it, undone afterwards.

Given the audit's `ContextSpec`, `harness.db.as_actor`; otherwise a savepoint that is
always rolled back, SET LOCAL ROLE (names through sql.Identifier: SET takes no parameters), and the
tenant context through set_config(..., true), transaction-local like the API's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from ..db import Actor, ContextSpec, as_actor

CLAIMS_GUC = "request.jwt.claims"


@contextmanager
def acting_as(
    conn: psycopg.Connection[Any],
    *,
    role: str,
    tenant_guc: str,
    tenant: str,
    tenant_column: str = "tenant_id",
    context: ContextSpec | None = None,
) -> Iterator[None]:
    """Inside the block, statements run as `role` with the tenant context set.

    Needs an open transaction (or autocommit, which then gets one); on exit the savepoint
    is rolled back, which also undoes the role and the settings. With `context` (the
    audit's configured way of passing the tenant) it is the shared `harness.db.as_actor`;
    without, the tenant GUC and JWT claims holding the tenant, as before.
    """
    if context is not None:
        with as_actor(conn, Actor(role, tenant), context):
            yield
        return
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        claims = json.dumps({"role": role, tenant_column: tenant})
        conn.execute(
            "SELECT pg_catalog.set_config(%s, %s, true), pg_catalog.set_config(%s, %s, true)",
            (tenant_guc, tenant, CLAIMS_GUC, claims),
        )
        yield


@contextmanager
def row_security_off(conn: psycopg.Connection[Any], role: str | None = None) -> Iterator[None]:
    """As `role` (the table owner) or the login, with row security off: a policy that
    would apply raises instead of filtering, so a baseline is never silently filtered."""
    with conn.transaction(force_rollback=True):
        if role is not None:
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT pg_catalog.set_config('row_security', 'off', true)")
        yield
