"""RLS107: a callable function hands one tenant another tenant's data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..findings.model import Finding
from ._base import ProbeCheck, evidence
from ._functions import call_statement, callable_functions, calls, delete_tenant
from .context import ProbeContext, obj
from .volley import Shot


class FunctionLeak(ProbeCheck):
    """A function the API role may call leaks or changes another tenant's data.

    Why it matters:
    SECURITY DEFINER functions run with their owner's rights, usually past row level
    security. Called by tenant A with tenant B's ids or values (a confused deputy), the
    function returned B's canaries or ids, returned something that changes when only B's
    data changes (non-interference), or changed B's rows.

    Anti-pattern:
    CREATE FUNCTION get_user_tenant_id(user_uuid uuid) RETURNS uuid
    SECURITY DEFINER AS $$ SELECT tenant_id FROM users WHERE id = user_uuid $$;

    Best practice:
    -- filter by the caller's tenant inside the function, and pin search_path
    ... WHERE tenant_id = (SELECT get_current_tenant_id()) AND id = user_uuid
    """

    id = "RLS107"
    name = "function-cross-tenant"

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[str] = set()
        for role in ctx.config.roles:
            attacker = ctx.attackers()[0]
            actor = ctx.actor(role, attacker)
            victims = ctx.victims(attacker)
            planned = [
                (f, victim, args, Shot(actor, call_statement(f, len(args)), list(args)))
                for f in callable_functions(ctx, role)
                if f.signature not in reported
                for victim in victims[:1]
                for args in calls(ctx, f, victim)
            ]
            for f, victim, args, why, out in self.judge(ctx, attacker, planned):
                if f.signature in reported:
                    continue
                stmt = call_statement(f, len(args))
                reported.add(f.signature)
                text = ctx.runner.render(stmt, list(args))
                yield self.finding(
                    obj(f.signature, "function"),
                    f"{f.signature} called by {role} for one tenant with another tenant's "
                    f"values: {why}",
                    evidence=evidence(
                        ctx,
                        statement=text,
                        actor=actor,
                        expected="nothing of another tenant, whatever the arguments",
                        observed=out.summary(),
                        reproducer=ctx.reproducer(
                            actor, text, tenants=[victim.id], rows=_rows_with(ctx, args)
                        ),
                        security_definer=f.security_definer,
                        victim=victim.id,
                    ),
                    remediation=(
                        f"Inside {f.signature}, restrict every read and write to the "
                        "caller's tenant, or revoke EXECUTE from the API roles."
                    ),
                    discriminator=role,
                )

    def judge(self, ctx: ProbeContext, attacker, planned: list) -> Iterator[tuple]:
        """The calls that leak, with the reason, in order. Three volleys: the calls; again,
        for those that showed nothing (is the answer stable?); and once more with the other
        tenant's rows gone, for those whose answer was stable (does it depend on them?)."""
        firsts = list(ctx.act_all([shot for *_, shot in planned]))
        whys: list[str] = []
        for (_, _, args, _), (out, changed) in zip(planned, firsts, strict=True):
            leaks = ctx.canaries.scan(out.observable(), attacker.id, echo=args)
            if leaks:
                whys.append(f"the result carries tenant {leaks[0].tenant}'s data ({leaks[0].via})")
            elif changed:
                whys.append("the call changed " + "; ".join(c.describe() for c in changed[:3]))
            else:
                whys.append("")
        quiet = [i for i, why in enumerate(whys) if not why]
        agains = ctx.act_all([planned[i][3] for i in quiet])
        stable = [
            i
            for i, (again, _) in zip(quiet, agains, strict=True)
            if again.rows == firsts[i][0].rows and again.signature == firsts[i][0].signature
        ]
        gone_shots = [
            replace(planned[i][3], setup=tuple(delete_tenant(ctx, planned[i][1]))) for i in stable
        ]
        for i, (gone, _) in zip(stable, ctx.act_all(gone_shots), strict=True):
            out = firsts[i][0]
            if gone.rows != out.rows or gone.signature != out.signature:
                whys[i] = (
                    "the result depends on the other tenant's data: "
                    f"'{out.summary()}' becomes '{gone.summary()}' once that tenant's rows are gone"
                )
        for (f, victim, args, _), why, (out, _) in zip(planned, whys, firsts, strict=True):
            if why:
                yield f, victim, args, why, out


def _rows_with(ctx: ProbeContext, args: tuple[str, ...]) -> list:
    wanted = set(args)
    out = []
    for rows in ctx.world.rows.values():
        for r in rows:
            if wanted & {str(v) for v in r.values.values()}:
                out.append(r)
    return out[:6]
