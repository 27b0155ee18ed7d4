"""Isolation tests that teams write themselves: generated tenants and assertion helpers.

`generate_tenants` fills a database (a throwaway clone) with the probes' generator, so a
team's test needs no hand-written seed data for a schema that keeps changing. The
assertions run as whoever the session is now, typically inside `harness.db.as_actor`
(the pytest plugin's `as_tenant`), and say in the failure what leaked.
"""

from __future__ import annotations

import warnings
from typing import Any

import psycopg
from psycopg import sql

from .runner import PERMISSION_DENIED, RLS_VIOLATION_TEXT

SAMPLE = 3


def generate_tenants(
    conn: psycopg.Connection[Any],
    count: int = 2,
    *,
    tenant_column: str = "tenant_id",
    seed: int = 0,
    exposed_schemas: tuple[str, ...] = ("public",),
) -> list[str]:
    """Create `count` tenants with rows in every tenant table (committed), return their ids.

    Tables the generator cannot fill are named in a warning, never skipped silently.
    """
    from ..catalog import load_catalog
    from .population import Populator, make_tenants
    from .scope import build_scope

    catalog = load_catalog(conn, tenant_column=tenant_column, exposed_schemas=exposed_schemas)
    scope = build_scope(catalog)
    tenants = make_tenants(count, seed)
    with conn.transaction():
        world = Populator(conn, catalog, scope, tenants, seed).run()
    for table, reason in sorted(world.skipped.items()):
        warnings.warn(f"tenant_factory could not populate {table}: {reason}", stacklevel=2)
    return [t.id for t in tenants]


def _relation(table: str) -> sql.Identifier:
    schema, dot, name = table.partition(".")
    return sql.Identifier(schema, name) if dot else sql.Identifier(table)


def visible_tenants(
    conn: psycopg.Connection[Any], table: str, tenant_column: str = "tenant_id"
) -> dict[str | None, int]:
    """Rows of `table` the session can see, counted per tenant key value."""
    rows = conn.execute(
        sql.SQL("select {col}::text, pg_catalog.count(*) from {rel} group by 1").format(
            col=sql.Identifier(tenant_column), rel=_relation(table)
        )
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def assert_isolated(
    conn: psycopg.Connection[Any],
    table: str,
    tenant: str,
    *,
    tenant_column: str = "tenant_id",
    sees_own: bool = False,
) -> None:
    """The session sees no row of `table` whose tenant is not `tenant` (and, with
    `sees_own`, at least one of its own: a policy that hides everything is no proof)."""
    seen = visible_tenants(conn, table, tenant_column)
    others = {k: v for k, v in seen.items() if k != str(tenant)}
    if others:
        shown = ", ".join(f"{k}: {v}" for k, v in list(others.items())[:SAMPLE])
        raise AssertionError(
            f"{table}: acting for {tenant}, the session sees rows of "
            f"{len(others)} other tenant(s) ({shown})"
        )
    if sees_own and not seen.get(str(tenant)):
        raise AssertionError(f"{table}: acting for {tenant}, the session sees none of its rows")


def assert_no_rows(conn: psycopg.Connection[Any], table: str) -> None:
    """The session sees nothing of `table` (no context, a garbage context, anon); an
    error is a safe answer too, except a mistake in the test (an unknown table)."""
    try:
        with conn.transaction():
            row = conn.execute(
                sql.SQL("select pg_catalog.count(*) from {}").format(_relation(table))
            ).fetchone()
    except psycopg.Error as exc:
        state = exc.diag.sqlstate or ""
        if state == PERMISSION_DENIED or not state.startswith("42"):
            return  # refused, or failed closed (a context that does not parse)
        raise
    count = int(row[0]) if row else 0
    if count:
        raise AssertionError(f"{table}: the session sees {count} row(s), expected none")


def assert_denied(
    conn: psycopg.Connection[Any], statement: sql.Composable | str, params: Any = None
) -> None:
    """The write is refused (privilege or policy) or touches no row; it is rolled back
    either way, so the test can go on in the same transaction."""
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(statement, params)
            affected = cur.rowcount
    except psycopg.Error as exc:
        if exc.diag.sqlstate == PERMISSION_DENIED or RLS_VIOLATION_TEXT in str(exc):
            return
        raise AssertionError(f"expected a refusal, got {type(exc).__name__}: {exc}") from exc
    if affected and affected > 0:
        raise AssertionError(f"the statement was allowed and affected {affected} row(s)")
