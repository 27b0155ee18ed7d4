"""RLS103: a tenant changes platform rows that every tenant shares."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding, Severity
from ._base import ProbeCheck, evidence, exposed_tables, ident
from ._writes import insert, new_row, updatable_column
from .context import ProbeContext, obj
from .oracle import PLATFORM


class SharedTableWrite(ProbeCheck):
    """A tenant can change rows shared by all tenants.

    Why it matters:
    Tables without a tenant column (configuration, feature flags, lookup data) govern
    every tenant. When tenant A can INSERT, UPDATE or DELETE there, A changes what B sees
    and does, and can use the table as a drop box to pass data between tenants.

    Anti-pattern:
    CREATE TABLE system_config (key text PRIMARY KEY, value jsonb);
    GRANT ALL ON system_config TO authenticated;

    Best practice:
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON system_config FROM anon, authenticated;
    ALTER TABLE system_config ENABLE ROW LEVEL SECURITY;
    """

    id = "RLS103"
    name = "shared-table-write"
    severity = Severity.HIGH

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for role in ctx.config.roles:
            attacker = ctx.attackers()[0]
            actor = ctx.actor(role, attacker)
            for ts in exposed_tables(ctx):
                if ts.is_tenant or ts.name in ctx.world.skipped:
                    continue
                privs = ctx.privileges(role, ts.table)
                tries = []
                col = updatable_column(ctx, ts, role) if "UPDATE" in privs else None
                if col:
                    tries.append(
                        (
                            "UPDATE",
                            sql.SQL("update {} set {} = {} returning *").format(
                                ident(ts), sql.Identifier(col), sql.Identifier(col)
                            ),
                            None,
                            [],
                        )
                    )
                if "DELETE" in privs:
                    tries.append(
                        (
                            "DELETE",
                            sql.SQL("delete from {} returning *").format(ident(ts)),
                            None,
                            [],
                        )
                    )
                if "INSERT" in privs:
                    values, setup = new_row(ctx, ts, attacker, 3)
                    if values:
                        stmt, params = insert(ts, values)
                        tries.append(("INSERT", stmt, params, setup))
                for command, stmt, params, setup in tries:
                    outcome, changed, _ = ctx.act(actor, stmt, params, setup=setup)
                    platform = [c for c in changed if c.owner == PLATFORM and c.table == ts.name]
                    if command == "INSERT" and outcome.ok and outcome.rowcount:
                        platform = platform or changed
                    ctx.matrix.record(
                        ts.name, command, role, other="leaked" if platform else "denied"
                    )
                    if not (outcome.ok and (platform or outcome.rowcount)):
                        continue
                    text = ctx.runner.render(stmt, params)
                    yield self.finding(
                        obj(ts.table),
                        f"{role} acting for one tenant can {command} rows of the shared table {ts.name}",  # noqa: E501
                        evidence=evidence(
                            ctx,
                            statement=text,
                            actor=actor,
                            expected="permission denied: shared rows belong to the platform",
                            observed=outcome.summary(),
                            reproducer=ctx.reproducer(actor, text),
                            command=command,
                        ),
                        remediation=f"Revoke {command} on {ts.name} from {role}.",
                        discriminator=f"{role}:{command}",
                    )
