"""Classify changes of row security policies.

Permissive policies are OR-ed (adding one can only widen access), restrictive ones are
AND-ed (adding one can only narrow it); a wider predicate admits more rows in both.
"""

from __future__ import annotations

from collections.abc import Iterator

from .change import Change, ChangeClass, DiffContext, short
from .model import Record
from .predicate import compare, mentions

D, B, R, S = (
    ChangeClass.DANGEROUS,
    ChangeClass.BREAKING,
    ChangeClass.REVIEW,
    ChangeClass.SAFE,
)


def policy_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.policies, ctx.head.policies
    for name in sorted(head.keys() - base.keys()):
        yield _added(ctx, name, head[name])
    for name in sorted(base.keys() - head.keys()):
        p = base[name]
        if ctx.gone_table(p["table"]):
            continue
        if p["permissive"]:
            why = "permissive policy dropped: the access it granted is gone"
            yield Change("policy", name, "removed", B, why)
        else:
            why = "restrictive policy dropped: a condition AND-ed into every query is gone"
            yield Change("policy", name, "removed", D, why)
    for name in sorted(base.keys() & head.keys()):
        yield from _changed(ctx, name, base[name], head[name])


def _tenant_key(ctx: DiffContext, p: Record) -> str:
    table = ctx.head_table(p["table"]) or {}
    return table.get("tenant_column") or ctx.tenant_column


def _added(ctx: DiffContext, name: str, p: Record) -> Change:
    kind = "permissive" if p["permissive"] else "restrictive"
    if not p["permissive"]:
        why = "restrictive policy added: AND-ed with the others, it can only narrow access"
        return Change("policy", name, "added", S, why)
    if not ctx.new_table(p["table"]):
        why = f"{kind} policy added to an existing table: OR-ed with the others, it widens access"
        return Change("policy", name, "added", D, why, None, _summary(p))
    key = _tenant_key(ctx, p)
    predicates = [e for e in (p["using"], p["with_check"]) if e is not None]
    if predicates and all(mentions(e, key) or "tenant" in e for e in predicates):
        return Change("policy", name, "added", S, f"new table's policy compares {key}")
    why = f"new table's policy does not compare {key}: check what it admits"
    return Change("policy", name, "added", R, why, None, _summary(p))


def _summary(p: Record) -> str:
    roles = ",".join(p["roles"])
    return f"{p['command']} to {roles} using {short(p['using'], 50)}"


def _changed(ctx: DiffContext, name: str, a: Record, b: Record) -> Iterator[Change]:
    if a["permissive"] and not b["permissive"]:
        why = "became restrictive: it now narrows access instead of granting it"
        yield Change("policy", name, "changed", B, why, "permissive", "restrictive")
    elif b["permissive"] and not a["permissive"]:
        why = "became permissive: it now widens access instead of narrowing it"
        yield Change("policy", name, "changed", D, why, "restrictive", "permissive")
    yield from _roles(name, a, b)
    yield from _command(name, a, b)
    key = _tenant_key(ctx, b)
    yield from _predicate(name, "USING", a["using"], b["using"], key)
    check_a = a["with_check"] if a["with_check"] is not None else a["using"]
    check_b = b["with_check"] if b["with_check"] is not None else b["using"]
    explicit = a["with_check"] is not None or b["with_check"] is not None
    if explicit:  # otherwise the check is USING, already compared
        yield from _predicate(name, "WITH CHECK", check_a, check_b, key)


def _roles(name: str, a: Record, b: Record) -> Iterator[Change]:
    ra, rb = set(a["roles"]), set(b["roles"])
    if ra == rb:
        return
    wider = ("public" in rb and "public" not in ra) or rb > ra
    narrower = ("public" in ra and "public" not in rb) or rb < ra
    added, gone = ",".join(sorted(rb - ra)), ",".join(sorted(ra - rb))
    permissive = b["permissive"]
    if wider and not narrower:
        klass = D if permissive else B
        why = f"applies to more roles (+{added})" + (
            ": they gain the rows it admits" if permissive else ": they are restricted too"
        )
    elif narrower and not wider:
        klass = B if permissive else D
        why = f"applies to fewer roles (-{gone})" + (
            ": they lose the rows it admitted" if permissive else ": they escape its restriction"
        )
    else:
        klass = R
        why = f"roles changed (+{added or 'none'} -{gone or 'none'})"
    yield Change("policy", name, "changed", klass, why, sorted(ra), sorted(rb))


def _command(name: str, a: Record, b: Record) -> Iterator[Change]:
    ca, cb = a["command"], b["command"]
    if ca == cb:
        return
    if cb == "ALL":
        klass = D if b["permissive"] else S
        why = f"now covers every command, not only {ca}"
    elif ca == "ALL":
        klass = B if b["permissive"] else D
        why = f"now covers only {cb}, not every command"
    else:
        klass, why = R, f"command changed from {ca} to {cb}"
    yield Change("policy", name, "changed", klass, why, ca, cb)


def _predicate(
    name: str, clause: str, old: str | None, new: str | None, key: str
) -> Iterator[Change]:
    found = compare(old, new, tenant_key=key)
    detail = short(found.detail, 60)
    if found.verdict == "same":
        return
    if found.verdict == "wider":
        klass, why = D, f"{clause} widened: {detail}"
    elif found.verdict == "unscoped":
        klass, why = D, f"{clause} no longer compares {key}: {detail}"
    elif found.verdict == "narrower":
        klass, why = B, f"{clause} narrowed: {detail}"
    else:
        klass, why = R, f"{clause} changed, not provably narrower: {detail}"
    yield Change("policy", name, "changed", klass, why, old, new)
