"""RLS104: TRUNCATE by a tenant empties every tenant's rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from psycopg import sql

from ..findings.model import Finding
from ._base import ProbeCheck, evidence, exposed_tables, ident
from .context import ProbeContext, obj
from .volley import Shot

FK_BLOCKS_TRUNCATE = "0A000"


class TruncateBypassesRls(ProbeCheck):
    """TRUNCATE is granted to an API role: it ignores row level security.

    Why it matters:
    TRUNCATE does not look at policies. A tenant holding the privilege (Supabase's default
    privileges grant ALL, TRUNCATE included) deletes every tenant's rows of the table, and
    with CASCADE those of every referencing table, in one statement.

    Anti-pattern:
    GRANT ALL ON tenants TO authenticated;  -- includes TRUNCATE

    Best practice:
    REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM anon, authenticated;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE TRUNCATE ON TABLES FROM anon, authenticated;

    References:
    https://www.postgresql.org/docs/current/ddl-rowsecurity.html
    """

    id = "RLS104"
    name = "truncate-bypasses-rls"

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for role in ctx.config.roles:
            actor = ctx.actor(role, ctx.attackers()[0])
            tables = []
            for ts in exposed_tables(ctx):
                if "TRUNCATE" in ctx.privileges(role, ts.table):
                    tables.append(ts)
                else:
                    ctx.matrix.record(ts.name, "TRUNCATE", role, own="denied", other="denied")
            for ts, stmt, (outcome, changed) in _truncations(ctx, actor, tables):
                leaked = outcome.ok and bool(changed)
                ctx.matrix.record(
                    ts.name,
                    "TRUNCATE",
                    role,
                    own="allowed" if outcome.ok else "denied",
                    other="leaked" if leaked else "denied",
                )
                if not leaked:
                    continue
                text = ctx.runner.render(stmt)
                victims = sorted({c.owner for c in changed})
                yield self.finding(
                    obj(ts.table),
                    f"{role} can TRUNCATE {ts.name}, deleting {len(victims)} other owner(s)' rows "
                    f"in {len({c.table for c in changed})} table(s)",
                    evidence=evidence(
                        ctx,
                        statement=text,
                        actor=actor,
                        expected="permission denied for table",
                        observed="; ".join(c.describe() for c in changed[:5]),
                        reproducer=ctx.reproducer(
                            actor,
                            text,
                            rows=ctx.world.rows.get(ts.name, [])[:2],
                            after=f"RESET ROLE; SELECT count(*) FROM {ctx.runner.render(ident(ts))};",  # noqa: E501
                        ),
                        tables=sorted({c.table for c in changed}),
                    ),
                    remediation=f"REVOKE TRUNCATE ON {ts.name} FROM {role}.",
                    discriminator=role,
                )


def _truncations(ctx: ProbeContext, actor, tables: list) -> Iterator[tuple[Any, Any, Any]]:
    """TRUNCATE of each table, in one volley; those a foreign key blocks are tried again
    with CASCADE, in a second."""
    plain = [sql.SQL("truncate {}").format(ident(ts)) for ts in tables]
    first = [Shot(actor, s, table=t.name) for t, s in zip(tables, plain, strict=True)]
    results = list(ctx.act_all(first))
    blocked = [i for i, (out, _) in enumerate(results) if out.sqlstate == FK_BLOCKS_TRUNCATE]
    cascade = {i: sql.SQL("truncate {} cascade").format(ident(tables[i])) for i in blocked}
    shots = [Shot(actor, cascade[i], table=tables[i].name) for i in blocked]
    for i, result in zip(blocked, ctx.act_all(shots), strict=True):
        results[i] = result
    for i, ts in enumerate(tables):
        yield ts, cascade.get(i, plain[i]), results[i]
