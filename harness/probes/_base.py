"""Shared helpers of the probe checks: SQL pieces, row judgement, fresh values."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from psycopg import sql

from ..catalog import Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from .context import ProbeContext
from .oracle import Leak
from .population import SeedRow, Tenant
from .runner import Outcome
from .scope import TableScope


class ProbeCheck(Check):
    """Base of the probes: `run` yields findings; `check` guards the adversary model."""

    abstract = True
    severity: ClassVar[Severity] = Severity.CRITICAL
    category: ClassVar[Category] = Category.ISOLATION
    adversaries: ClassVar[tuple[str, ...]] = ("api", "sql")

    def check(self, ctx: ProbeContext) -> Iterator[Finding]:
        if ctx.config.adversary not in self.adversaries:
            return iter(())
        return self.run(ctx)

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        raise NotImplementedError


def ident(relation: Table | TableScope) -> sql.Identifier:
    t = relation.table if isinstance(relation, TableScope) else relation
    return sql.Identifier(t.schema, t.name)


def where(columns: tuple[str, ...] | list[str]) -> sql.Composable:
    return sql.SQL(" and ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in columns
    )


def assignments(columns: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in columns
    )


def with_setup(ctx: ProbeContext, setup: Any, text: str) -> str:
    """The statement as a reproducer runs it: its setup statements (as text) first."""
    lines = [ctx.runner.render(stmt, params) + ";" for stmt, params in setup]
    return "\n".join([*lines, text])


def text_of(values: Any) -> str | None:
    return None if values is None else str(values)


def row_leaks(
    ctx: ProbeContext, outcome: Outcome, tenant_key: str | None, actor_tenant: str | None
) -> list[Leak]:
    """Other tenants in a result: by its tenant key column, then by canaries and ids."""
    leaks: dict[str, Leak] = {}
    if tenant_key and tenant_key in outcome.columns:
        i = outcome.columns.index(tenant_key)
        for row in outcome.rows:
            owner = text_of(row[i])
            if owner and owner != actor_tenant and owner not in leaks:
                leaks[owner] = Leak(
                    owner, f"tenant key {tenant_key}", "|".join(map(str, row))[:160]
                )
    for leak in ctx.canaries.scan(outcome.observable(), actor_tenant):
        leaks.setdefault(leak.tenant, leak)
    return list(leaks.values())


def leaked_row(ctx: ProbeContext, table: str, outcome: Outcome, tenant: str) -> SeedRow | None:
    """The seeded row behind the first result row that belongs to `tenant`."""
    for row in outcome.rows:
        values = dict(zip(outcome.columns, row, strict=False))
        if tenant in {str(v) for v in values.values()} or any(
            ctx.world.tenant(tenant).marker in str(v) for v in values.values()
        ):
            found = ctx.row_of(table, values)
            if found is not None:
                return found
    rows = ctx.world.owned(table, tenant)
    return rows[0] if rows else None


def fresh_value(ts: TableScope, ctx: ProbeContext, column: str, tenant: Tenant) -> Any:
    """A value for `column` that no row anywhere holds: the 'exists nowhere' control."""
    plan = ctx.world.plans.get(ts.name, {}).get(column)
    base = plan.info.base if plan else "text"
    if base == "uuid":
        return str(uuid.uuid4())
    if plan is not None and plan.is_text:
        value = f"{tenant.marker}-nx{uuid.uuid4().hex[:6]}"
        if plan.mode == "email":
            value = f"{tenant.marker}.nx{uuid.uuid4().hex[:6]}@{tenant.marker}.example"
        return value[: plan.max_len] if plan.max_len else value
    if base in ("int2", "int4", "int8", "numeric"):
        return 31_000 + uuid.uuid4().int % 1000
    return None


def evidence(
    ctx: ProbeContext,
    *,
    statement: str,
    actor: Any,
    expected: str,
    observed: str,
    reproducer: str,
    **details: Any,
) -> Evidence:
    return Evidence(
        sql=statement,
        actor=actor.role,
        tenant=actor.tenant,
        expected=expected,
        observed=observed,
        reproducer=reproducer,
        details={k: v for k, v in details.items() if v is not None},
    )


def exposed_tables(ctx: ProbeContext) -> Iterator[TableScope]:
    """The tables of the exposed schemas, in order; each becomes the context's current
    table while the probe works on it, and faulted ones are left out."""
    for n in ctx.scope.order:
        ts = ctx.scope.tables[n]
        if ts.table.schema in ctx.catalog.exposed_schemas and ctx.reachable(n):
            yield ts


def readable(ctx: ProbeContext) -> Iterator[Table]:
    """The relations an API role may read (tables, views, ...), faulted ones left out."""
    for rel in ctx.scope.readable:
        if ctx.reachable(rel.qualified_name):
            yield rel
