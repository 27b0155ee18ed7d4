"""Reproducers: the plain SQL a user runs in psql to see a finding's leak by hand.

Seed the rows the statement needs (and their parents, and the tenants' registry rows) as
the login role, become the actor as the probes did, run the statement, roll back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from psycopg import sql

from .. import db
from .population import SeedRow

if TYPE_CHECKING:
    from .context import ProbeContext


def seed_sql(ctx: ProbeContext, rows: Iterable[SeedRow], tenants: Iterable[str]) -> list[str]:
    """INSERTs for these rows, their parents and the tenants' registry rows, in order."""
    wanted: dict[int, SeedRow] = {}
    stack = list(rows)
    if ctx.scope.registry:
        for t in tenants:
            stack += ctx.world.owned(ctx.scope.registry, t)
    while stack:
        r = stack.pop()
        if id(r) in wanted:
            continue
        wanted[id(r)] = r
        for table, idx in r.parents:
            stack.append(ctx.world.rows[table][idx])
        ts = ctx.scope.tables.get(r.table)
        if ts and ts.is_tenant and r.owner and ctx.scope.registry and r.table != ctx.scope.registry:
            stack += ctx.world.owned(ctx.scope.registry, r.owner)
    order = {n: i for i, n in enumerate(ctx.scope.order)}
    out = []
    for r in sorted(wanted.values(), key=lambda r: order.get(r.table, -1)):
        schema, _, name = r.table.partition(".")
        sent = {k: v for k, v in r.sent.items() if v is not None}
        stmt = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(schema, name),
            sql.SQL(", ").join(map(sql.Identifier, sent)),
            sql.SQL(", ").join(sql.Placeholder() * len(sent)),
        )
        out.append(ctx.runner.render(stmt, list(_adapt(sent).values())) + ";")
    return out


def reproducer(
    ctx: ProbeContext,
    actor: db.Actor,
    statement: str,
    *,
    rows: Iterable[SeedRow] = (),
    tenants: Iterable[str] = (),
    after: str | None = None,
) -> str:
    """Plain SQL for psql: seed the rows it needs, become the actor, run, roll back."""
    involved = [t for t in {actor.tenant, *tenants} if t]
    lines = ["BEGIN;", "-- seed, as the login role (owner or superuser)"]
    lines += seed_sql(ctx, rows, involved)
    lines.append(f"-- act as {actor.label}")
    lines.append(db.reproducer_prelude(actor, ctx.config.context, ctx.conn))
    lines.append(statement.rstrip(";") + ";")
    if after:
        lines.append("-- then, to observe the effect")
        lines.append(after)
    lines.append("ROLLBACK;")
    return "\n".join(lines)


def row_of(ctx: ProbeContext, table: str, values: dict[str, Any]) -> SeedRow | None:
    """The seeded row with these key values, if the harness generated it."""
    ts = ctx.scope.tables.get(table)
    keys = ts.pk if ts and ts.pk else tuple(values)
    for r in ctx.world.rows.get(table, ()):
        if all(str(r.values.get(k)) == str(values.get(k)) for k in keys if k in values):
            return r
    return None


def _adapt(values: dict[str, Any]) -> dict[str, Any]:
    from psycopg.types.json import Jsonb

    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in values.items()}
