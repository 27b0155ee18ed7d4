"""RLS104: TRUNCATE by a tenant empties every tenant's rows."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding
from ._base import ProbeCheck, evidence, exposed_tables, ident
from .context import ProbeContext, obj

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
            for ts in exposed_tables(ctx):
                if "TRUNCATE" not in ctx.privileges(role, ts.table):
                    ctx.matrix.record(ts.name, "TRUNCATE", role, own="denied", other="denied")
                    continue
                stmt = sql.SQL("truncate {}").format(ident(ts))
                outcome, changed, _ = ctx.act(actor, stmt)
                if outcome.sqlstate == FK_BLOCKS_TRUNCATE:
                    stmt = sql.SQL("truncate {} cascade").format(ident(ts))
                    outcome, changed, _ = ctx.act(actor, stmt)
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
