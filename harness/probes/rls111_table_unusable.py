"""RLS111: a tenant cannot use its own table: the policy itself errors."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Category, Finding, Severity
from ._base import ProbeCheck, evidence, ident, readable
from .context import ProbeContext, obj
from .volley import Shot


class TableUnusable(ProbeCheck):
    """Reading a table as a tenant fails with an error other than "permission denied".

    Why it matters:
    "infinite recursion detected in policy", a failing cast of the tenant setting, or an
    exception raised in a policy function make the table unusable for every tenant: an
    outage, and a sign the policy does not do what it says.

    Anti-pattern:
    CREATE POLICY p ON users USING (tenant_id IN (SELECT tenant_id FROM users WHERE ...));

    Best practice:
    CREATE POLICY p ON users USING (tenant_id = (SELECT get_current_tenant_id()));
    """

    id = "RLS111"
    name = "table-unusable"
    severity = Severity.HIGH
    category = Category.INTEGRITY

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for role in ctx.config.roles:
            actor = ctx.actor(role, ctx.attackers()[0])
            rels = [rel for rel in readable(ctx) if "SELECT" in ctx.privileges(role, rel)]
            count = sql.SQL("select pg_catalog.count(*) from {}")
            shots = [
                Shot(actor, count.format(ident(rel)), table=rel.qualified_name) for rel in rels
            ]
            for rel, shot, out in zip(rels, shots, ctx.observe_all(shots), strict=True):
                stmt = shot.stmt
                if out.ok or out.denied:
                    continue
                text = ctx.runner.render(stmt)
                yield self.finding(
                    obj(rel),
                    f"{role} reading {rel.qualified_name} as a tenant fails: {out.error}",
                    evidence=evidence(
                        ctx,
                        statement=text,
                        actor=actor,
                        expected="the tenant's own rows",
                        observed=out.summary(),
                        reproducer=ctx.reproducer(actor, text),
                        sqlstate=out.sqlstate,
                    ),
                    remediation="Fix the policy so that it evaluates without error for a tenant.",
                    discriminator=role,
                )
