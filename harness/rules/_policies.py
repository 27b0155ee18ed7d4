"""Shared reading of a table's policies: which sides a policy has, whether a restrictive
tenant policy already neutralises it, and the narrowing fix several rules propose."""

from __future__ import annotations

from ..catalog.model import Policy, Table
from ..findings.model import Outcome
from . import _fix
from ._predicate import Analysis
from ._scope import Scope, effective_expr


def explicit_sides(policy: Policy) -> list[tuple[str, str]]:
    """(side, expression) for each expression the policy itself states."""
    out = []
    if policy.using is not None:
        out.append(("USING", policy.using))
    if policy.with_check is not None:
        out.append(("WITH CHECK", policy.with_check))
    return out


Analysed = list[tuple[Table, Policy, list[tuple[str, Analysis]]]]


def permissive_policies(s: Scope) -> Analysed:
    """Each permissive policy of a tenant-scoped table, with its analysed expressions;
    computed once per catalog, as eight rules walk it."""
    if "permissive" not in s.memo:
        out: Analysed = []
        for table in s.tenant_scoped:
            for policy in s.catalog.policies_for(table):
                if not policy.permissive:
                    continue
                analysed = []
                for side, expr in explicit_sides(policy):
                    a = s.analyse(policy, expr)
                    if a is not None:
                        analysed.append((side, a))
                out.append((table, policy, analysed))
        s.memo["permissive"] = out
    return s.memo["permissive"]  # type: ignore[return-value]


def guarded(s: Scope, table: Table, policy: Policy) -> bool:
    """A restrictive policy that restricts the tenant covers every command and role of
    `policy`: PostgreSQL ANDs it in, so the permissive policy cannot widen access."""
    commands = (
        ("SELECT", "INSERT", "UPDATE", "DELETE") if policy.command == "ALL" else (policy.command,)
    )
    for r in s.catalog.policies_for(table):
        if r.permissive or not all(r.applies_to(c) for c in commands):
            continue
        if "public" not in r.roles and not set(policy.roles) <= set(r.roles):
            continue
        exprs = [effective_expr(r, "USING"), effective_expr(r, "WITH CHECK")]
        analyses = [s.analyse(r, e) for e in exprs if e is not None]
        if analyses and all(a is not None and a.restricts for a in analyses):
            return True
    return False


def narrowed(s: Scope, table: Table, policy: Policy) -> str | None:
    """ALTER POLICY keeping only the disjuncts that restrict the tenant (or the tenant
    predicate when none does) on each side that admits more."""
    new: dict[str, str] = {}
    for side, expr in explicit_sides(policy):
        a = s.analyse(policy, expr)
        if a is None or a.restricts or not a.parsed:
            continue
        keep = [d.text for d in a.disjuncts if d.kind == "restricts"]
        new[side] = " OR ".join(f"({k})" for k in keep) if keep else _fix.tenant_predicate(s, table)
    if not new:
        return None
    return _fix.alter_policy(policy, using=new.get("USING"), check=new.get("WITH CHECK"))


def outcome(analyses: list[Analysis]) -> Outcome:
    return Outcome.FAILED if all(a.parsed for a in analyses) else Outcome.INCONCLUSIVE
