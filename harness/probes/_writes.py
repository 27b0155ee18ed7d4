"""Statement builders shared by the write, reference and oracle probes."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ._base import assignments, ident, where
from .context import ProbeContext
from .population import SeedRow, Tenant
from .scope import TableScope

Built = tuple[sql.Composable, list[Any], list[tuple[sql.Composable, Any]]]


def new_row(ctx: ProbeContext, ts: TableScope, owner: Tenant, salt: int) -> tuple[dict, list]:
    """A fresh valid row of `owner` (values, setup statements for fresh parents)."""
    assert ctx.populator is not None
    built = ctx.populator.build_rows(ts, [owner.id], 90_000 + salt)
    if not built:
        return {}, []
    _, values, fresh, _ = built[0]
    setup = []
    for ptable, pvals in fresh:
        pvals = ctx.populator.adapt(ptable, pvals)
        stmt = ctx.populator.insert_statement(ptable, list(pvals))
        setup.append((stmt, list(pvals.values())))
    return ctx.populator.adapt(ts.name, values), setup


def insert(
    ts: TableScope, values: dict[str, Any], suffix: sql.Composable | None = None
) -> tuple[sql.Composable, list[Any]]:
    cols = list(values)
    stmt = sql.SQL("insert into {} ({}) values ({}){} returning *").format(
        ident(ts),
        sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(", ").join(sql.Placeholder() * len(cols)),
        suffix or sql.SQL(""),
    )
    return stmt, [values[c] for c in cols]


def update_by_pk(
    ts: TableScope, row: SeedRow, changes: dict[str, Any]
) -> tuple[sql.Composable, list[Any]]:
    cols = list(changes)
    stmt = sql.SQL("update {} set {} where {} returning *").format(
        ident(ts), assignments(cols), where(ts.pk)
    )
    return stmt, [*changes.values(), *(row.values[c] for c in ts.pk)]


def updatable_column(ctx: ProbeContext, ts: TableScope, role: str) -> str | None:
    """A column the role may UPDATE that is not part of the key: for no-op updates."""
    skip = set(ts.pk) | {ts.tenant_key}
    for col in ts.table.columns:
        if col.name in skip or col.is_generated:
            continue
        if ctx.column_privilege(role, ts.table, col.name, "UPDATE"):
            return col.name
    return None


def can_update(ctx: ProbeContext, ts: TableScope, role: str, columns: list[str]) -> bool:
    return all(ctx.column_privilege(role, ts.table, c, "UPDATE") for c in columns)
