"""RLS101: a tenant reads another tenant's rows."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding
from ._base import ProbeCheck, evidence, ident, leaked_row, readable, row_leaks
from .context import ProbeContext, obj
from .scope import relation_tenant_key
from .volley import Shot


class CrossTenantRead(ProbeCheck):
    """Another tenant's rows are readable.

    Why it matters:
    Acting as tenant A under the API role, a plain SELECT (or COPY TO) of a table,
    partition, inheritance child, view or materialized view returned rows that carry
    another tenant's key, canary text or ids. Nothing short of a policy that filters by
    tenant, or no SELECT privilege, keeps tenants apart.

    Anti-pattern:
    CREATE TABLE audit_logs (tenant_id uuid, ...);  -- no RLS
    GRANT SELECT ON audit_logs TO authenticated;

    Best practice:
    ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_select ON audit_logs FOR SELECT TO authenticated
      USING (tenant_id = (SELECT get_current_tenant_id()));

    References:
    https://www.postgresql.org/docs/current/ddl-rowsecurity.html
    """

    id = "RLS101"
    name = "cross-tenant-read"

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[tuple[str, str]] = set()
        for role in ctx.config.roles:
            for attacker in ctx.attackers():
                actor = ctx.actor(role, attacker)
                rels = []
                for rel in readable(ctx):
                    if "SELECT" in ctx.privileges(role, rel):
                        rels.append(rel)
                        continue
                    name = rel.qualified_name
                    ctx.matrix.record(name, "SELECT", role, own="denied", other="denied")
                shots = [
                    Shot(
                        actor,
                        sql.SQL("select * from {}").format(ident(rel)),
                        table=rel.qualified_name,
                    )
                    for rel in rels
                ]
                for rel, shot, outcome in zip(rels, shots, ctx.observe_all(shots), strict=True):
                    name, stmt = rel.qualified_name, shot.stmt
                    ctx.reachable(name)  # what follows (COPY) is charged to it
                    if not outcome.ok:
                        ctx.matrix.record(name, "SELECT", role, own="error", other="error")
                        continue
                    key = relation_tenant_key(ctx.scope, rel)
                    leaks = row_leaks(ctx, outcome, key, actor.tenant)
                    own = "allowed" if outcome.rows else "denied"
                    ctx.matrix.record(
                        name, "SELECT", role, own=own, other="leaked" if leaks else "denied"
                    )
                    via = "SELECT"
                    if rel.kind == "table":  # COPY TO is another door; it must apply RLS too
                        copy = sql.SQL("copy {} to stdout").format(ident(rel))
                        copied = ctx.observe_copy(actor, copy)
                        copy_leaks = row_leaks(ctx, copied, None, actor.tenant) if copied.ok else []
                        ctx.matrix.record(
                            name,
                            "COPY",
                            role,
                            own="allowed" if copied.ok else "denied",
                            other="leaked" if copy_leaks else "denied",
                        )
                        if copy_leaks and not leaks:
                            leaks, via, stmt = copy_leaks, "COPY TO", copy
                    if not leaks or (name, role) in reported:
                        continue
                    reported.add((name, role))
                    victim = leaks[0].tenant
                    text = ctx.runner.render(stmt)
                    seed = leaked_row(ctx, name, outcome, victim)
                    yield self.finding(
                        obj(rel),
                        f"{role} acting for one tenant reads {len(leaks)} other tenant(s)' "
                        f"rows of {name}",
                        evidence=evidence(
                            ctx,
                            statement=text,
                            actor=actor,
                            expected="only the acting tenant's rows",
                            observed=f"{outcome.summary()}; leaked via {leaks[0].via}",
                            reproducer=ctx.reproducer(
                                actor, text, rows=[seed] if seed else [], tenants=[victim]
                            ),
                            leaked_tenants=[leak.tenant for leak in leaks],
                            sample=leaks[0].sample,
                            via=via,
                        ),
                        remediation=(
                            "Enable and force row level security with a tenant policy for "
                            f"{role}, or revoke SELECT on {name} from {role}."
                        ),
                        discriminator=role,
                    )
