"""RLS110: row level security does not apply to the API role on a tenant table."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding, Severity
from ._base import ProbeCheck, evidence, readable
from .context import ProbeContext, obj
from .scope import relation_tenant_key
from .volley import Shot


class RlsInactive(ProbeCheck):
    """Row level security is not in force for the API role on a tenant table.

    Why it matters:
    `row_security_active()` evaluated as the API role, with a tenant context, says
    whether the policies apply at all. False on a table holding tenant rows that the role
    can reach means RLS is off, or the role bypasses it (owner without FORCE, BYPASSRLS).

    Anti-pattern:
    CREATE TABLE platform_subscriptions (tenant_id uuid, ...);  -- RLS never enabled

    Best practice:
    ALTER TABLE platform_subscriptions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE platform_subscriptions FORCE ROW LEVEL SECURITY;
    """

    id = "RLS110"
    name = "rls-inactive-for-api-role"
    severity = Severity.HIGH

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for role in ctx.config.roles:
            actor = ctx.actor(role, ctx.attackers()[0])
            rels = [
                rel
                for rel in readable(ctx)
                if rel.is_table
                and relation_tenant_key(ctx.scope, rel)
                and ctx.privileges(role, rel) & {"SELECT", "INSERT", "UPDATE", "DELETE"}
            ]
            active = sql.SQL("select pg_catalog.row_security_active({}::oid)")
            shots = [
                Shot(actor, active.format(sql.Literal(rel.oid)), table=rel.qualified_name)
                for rel in rels
            ]
            for rel, out in zip(rels, ctx.observe_all(shots), strict=True):
                if not out.ok or out.rows[0][0]:
                    continue
                text = f"SELECT pg_catalog.row_security_active('{rel.qualified_name}');"
                yield self.finding(
                    obj(rel),
                    f"row level security is not active for {role} on {rel.qualified_name}",
                    evidence=evidence(
                        ctx,
                        statement=text,
                        actor=actor,
                        expected="row_security_active = true",
                        observed="row_security_active = false",
                        reproducer=ctx.reproducer(actor, text),
                    ),
                    remediation=f"ALTER TABLE {rel.qualified_name} ENABLE ROW LEVEL SECURITY, "
                    "FORCE it, and add tenant policies.",
                    discriminator=role,
                )
