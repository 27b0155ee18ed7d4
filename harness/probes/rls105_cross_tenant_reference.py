"""RLS105: a tenant's row can reference another tenant's row."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.model import Finding
from ._base import ProbeCheck, evidence, exposed_tables, with_setup
from ._writes import can_update, insert, new_row, update_by_pk
from .context import ProbeContext, obj
from .volley import Shot


class CrossTenantReference(ProbeCheck):
    """A foreign key lets one tenant point at another tenant's row.

    Why it matters:
    Foreign-key checks bypass row level security. A key that does not include the tenant
    column accepts a reference from tenant A's row to tenant B's row: A learns that B's
    id exists, attaches B's objects to its own, and B's later deletes cascade into A or
    are blocked by A's rows.

    Anti-pattern:
    branch_id uuid REFERENCES branches (id)

    Best practice:
    FOREIGN KEY (tenant_id, branch_id) REFERENCES branches (tenant_id, id)
    """

    id = "RLS105"
    name = "cross-tenant-reference"

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[tuple[str, str]] = set()
        for role in ctx.config.roles:
            for attacker in ctx.attackers():
                actor = ctx.actor(role, attacker)
                planned: list = []
                for ts in exposed_tables(ctx):
                    if not ts.is_tenant or ts.name in ctx.world.skipped:
                        continue
                    privs = ctx.privileges(role, ts.table)
                    mine = ctx.world.owned(ts.name, attacker.id)
                    for fk in ts.fks:
                        parent = ctx.scope.tables.get(fk.ref_table)
                        cols = [c for c in fk.columns if c != ts.tenant_key]
                        if parent is None or not parent.is_tenant or not cols:
                            continue
                        if (fk.name, role) in reported:
                            continue
                        for victim in ctx.victims(attacker):
                            theirs = ctx.world.owned(parent.name, victim.id)
                            if not theirs:
                                continue
                            target = theirs[0]
                            change = {
                                c: target.values[rc]
                                for c, rc in zip(fk.columns, fk.ref_columns, strict=True)
                                if c != ts.tenant_key
                            }
                            setup: list = []
                            if (
                                mine
                                and ts.pk
                                and "UPDATE" in privs
                                and can_update(ctx, ts, role, cols)
                            ):
                                stmt, params = update_by_pk(ts, mine[0], change)
                                rows = [mine[0], target]
                            elif "INSERT" in privs:
                                values, setup = new_row(ctx, ts, attacker, 11)
                                if not values:
                                    continue
                                values.update(change)
                                stmt, params = insert(ts, values)
                                rows = [target]
                            else:
                                continue
                            shot = Shot(actor, stmt, params, tuple(setup), table=ts.name)
                            planned.append((ts, fk, parent, cols, victim, shot, rows))
                results = ctx.act_all([shot for *_, shot, _ in planned])
                for (ts, fk, parent, cols, victim, shot, rows), (outcome, _) in zip(
                    planned, results, strict=True
                ):
                    if (fk.name, role) in reported or not (outcome.ok and outcome.rowcount):
                        continue
                    stmt, params, setup = shot.stmt, shot.params, shot.setup
                    reported.add((fk.name, role))
                    text = ctx.runner.render(stmt, params)
                    yield self.finding(
                        obj(ts.table),
                        f"{role} acting for one tenant can make {ts.name}.{','.join(cols)} "
                        f"reference another tenant's {parent.name} row ({fk.name})",
                        evidence=evidence(
                            ctx,
                            statement=text,
                            actor=actor,
                            expected=f"foreign key violation: {fk.name} should include the tenant column",  # noqa: E501
                            observed=outcome.summary(),
                            reproducer=ctx.reproducer(
                                actor,
                                with_setup(ctx, setup, text),
                                rows=rows,
                                tenants=[victim.id],
                            ),
                            constraint=fk.name,
                            victim=victim.id,
                        ),
                        remediation=(
                            f"Make {fk.name} a composite key including the tenant column: "
                            f"FOREIGN KEY ({ts.tenant_key}, {', '.join(cols)}) REFERENCES "
                            f"{parent.name} ({parent.tenant_key}, ...)."
                        ),
                        discriminator=f"{role}:{fk.name}",
                    )
