"""RLS108: without a valid tenant context, rows are visible or writable."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding, Severity
from ._base import ProbeCheck, evidence, exposed_tables, ident
from .context import ProbeContext, obj
from .volley import Shot

GARBAGE = (None, "", "not-a-tenant")


class ContextFailOpen(ProbeCheck):
    """No tenant context, or a garbage one, still sees or changes rows.

    Why it matters:
    A request that forgot to set the tenant (a background job, a bug, a pooled connection
    reset) must see nothing and change nothing. A policy such as
    `tenant_id = current_setting(...)::uuid OR current_setting(...) IS NULL`, or a helper
    that falls back to a default tenant, fails open.

    Anti-pattern:
    USING (current_setting('app.current_tenant_id', true) IS NULL OR tenant_id = ...)

    Best practice:
    USING (tenant_id = (SELECT get_current_tenant_id()))  -- NULL without context: no row
    """

    id = "RLS108"
    name = "context-fail-open"
    severity = Severity.HIGH

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[tuple[str, str]] = set()
        for role in ctx.config.roles:
            for raw in GARBAGE:
                actor = ctx.actor(role, None, raw=raw)
                tables = [
                    ts
                    for ts in exposed_tables(ctx)
                    if ts.is_tenant
                    and (ts.name, role) not in reported
                    and "SELECT" in ctx.privileges(role, ts.table)
                ]
                looks = ctx.observe_all([Shot(actor, _look(ts), table=ts.name) for ts in tables])
                active = [
                    (ts, int(out.rows[0][1]))
                    for ts, out in zip(tables, looks, strict=True)
                    if out.ok and out.rows and out.rows[0][0]
                ]  # an error is a safe answer; no RLS is RLS101/RLS110's finding
                deletes = [
                    Shot(actor, sql.SQL("delete from {}").format(ident(ts)), table=ts.name)
                    for ts, _ in active
                    if "DELETE" in ctx.privileges(role, ts.table)
                ]
                acted = dict(zip([s.table for s in deletes], ctx.act_all(deletes), strict=True))
                for ts, seen in active:
                    changed = acted[ts.name][1] if ts.name in acted else []
                    removed = sum(c.before - c.after for c in changed)
                    if not seen and not removed:
                        continue
                    reported.add((ts.name, role))
                    text = ctx.runner.render(sql.SQL("select * from {}").format(ident(ts)))
                    yield self.finding(
                        obj(ts.table),
                        f"{actor.label} sees {seen} row(s) of {ts.name}"
                        + (f" and deletes {removed}" if removed else ""),
                        evidence=evidence(
                            ctx,
                            statement=text,
                            actor=actor,
                            expected="no row without a valid tenant context",
                            observed=f"{seen} row(s) visible, {removed} deletable",
                            reproducer=ctx.reproducer(
                                actor, text, rows=ctx.world.rows.get(ts.name, [])[:2]
                            ),
                            context=raw,
                        ),
                        remediation="Make the policies match no row when the tenant context is unset or invalid.",  # noqa: E501
                        discriminator=f"{role}:{raw!r}",
                    )


def _look(ts) -> sql.Composed:
    """Whether RLS applies to the table, and how many rows the actor sees."""
    return sql.SQL(
        "select pg_catalog.row_security_active({}::oid), pg_catalog.count(*) from {}"
    ).format(sql.Literal(ts.table.oid), ident(ts))
