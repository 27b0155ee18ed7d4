"""Classify changes of grants, functions and roles: who may act, and with whose rights."""

from __future__ import annotations

from collections.abc import Iterator

from .change import Change, ChangeClass, DiffContext
from .model import Record

D, B, R, S = (
    ChangeClass.DANGEROUS,
    ChangeClass.BREAKING,
    ChangeClass.REVIEW,
    ChangeClass.SAFE,
)

BYPASSING = {
    "TRUNCATE": "TRUNCATE ignores RLS and empties every tenant's rows",
    "REFERENCES": "REFERENCES lets a client probe other tenants' keys through constraint errors",
    "TRIGGER": "TRIGGER lets a client attach code that sees every tenant's rows",
    "MAINTAIN": "MAINTAIN lets a client lock, vacuum or refresh it for every tenant",
}
ROW_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE"}
WIDENING_ROLE_FLAGS = {
    "superuser": "is now a superuser: it bypasses every check",
    "bypassrls": "now has BYPASSRLS: it sees every tenant's rows",
    "createrole": "may now create roles and grant memberships",
}


def grant_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.grants, ctx.head.grants
    for key in sorted(head.keys() - base.keys()):
        yield _granted(ctx, key, head[key])
    for key in sorted(base.keys() - head.keys()):
        g = base[key]
        if _object_gone(ctx, g):
            continue
        if ctx.is_api(g["grantee"]):
            why = f"{g['grantee']} loses {g['privilege']}: API calls that use it now fail"
            yield Change("grant", key, "removed", B, why)
        else:
            yield Change("grant", key, "removed", R, f"{g['grantee']} loses {g['privilege']}")
    for key in sorted(base.keys() & head.keys()):
        a, b = base[key], head[key]
        if b["grantable"] and not a["grantable"]:
            klass = D if ctx.is_api(b["grantee"]) else R
            why = f"now WITH GRANT OPTION: {b['grantee']} may pass {b['privilege']} on"
            yield Change("grant", key, "changed", klass, why, False, True)
        elif a["grantable"] and not b["grantable"]:
            yield Change("grant", key, "changed", S, "grant option revoked", True, False)


def _object_gone(ctx: DiffContext, g: Record) -> bool:
    obj = g["object"]
    return (obj in ctx.base.tables and obj not in ctx.head.tables) or (
        obj in ctx.base.functions and obj not in ctx.head.functions
    )


def _granted(ctx: DiffContext, key: str, g: Record) -> Change:
    grantee, privilege, obj = g["grantee"], g["privilege"], g["object"]
    what = f"{privilege} on {obj}" + (f" ({g['column']})" if g["column"] else "")
    if not ctx.is_api(grantee):
        if obj not in ctx.base.tables and obj not in ctx.base.functions:
            return Change("grant", key, "added", S, f"{grantee} (not an API role) gains {what}")
        return Change("grant", key, "added", R, f"{grantee} gains {what}")
    if privilege in BYPASSING:
        return Change("grant", key, "added", D, f"granted to {grantee}: {BYPASSING[privilege]}")
    if privilege == "EXECUTE":
        fn = ctx.head.functions.get(obj, {})
        if fn.get("security_definer"):
            why = (
                f"SECURITY DEFINER function exposed to {grantee}: it runs with its owner's "
                "rights, RLS bypassed"
            )
            return Change("grant", key, "added", D, why)
        if obj not in ctx.base.functions:
            why = f"new function callable by {grantee}; it runs with the caller's rights"
            return Change("grant", key, "added", S, why)
        return Change("grant", key, "added", R, f"{grantee} may now call {obj}")
    if grantee.upper() == "PUBLIC":
        why = f"granted to PUBLIC: every role, anon included, gains {what}"
        return Change("grant", key, "added", D, why)
    if privilege in ROW_PRIVILEGES and ctx.new_table(obj) and ctx.protected(obj):
        why = f"{grantee} gains {what} on a new tenant table with RLS enabled and forced"
        return Change("grant", key, "added", S, why)
    why = f"grant to API role {grantee}: API clients gain {what}"
    return Change("grant", key, "added", D, why)


def function_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.functions, ctx.head.functions
    for sig in sorted(head.keys() - base.keys()):
        f = head[sig]
        if f["security_definer"] and f["search_path"] is None:
            why = "new SECURITY DEFINER function, search_path not pinned: names can be hijacked"
            yield Change("function", sig, "added", D, why)
        elif f["security_definer"]:
            why = "new SECURITY DEFINER function: runs with its owner's rights, check who calls it"
            yield Change("function", sig, "added", R, why)
        else:
            why = "new function running with the caller's rights"
            yield Change("function", sig, "added", S, why)
    for sig in sorted(base.keys() - head.keys()):
        yield Change("function", sig, "removed", B, "function dropped: callers and policies break")
    for sig in sorted(base.keys() & head.keys()):
        yield from _function_changed(ctx, sig, base[sig], head[sig])


def _callable_by_api(ctx: DiffContext, sig: str) -> list[str]:
    return sorted(
        g["grantee"]
        for g in ctx.head.grants.values()
        if g["object"] == sig and g["privilege"] == "EXECUTE" and ctx.is_api(g["grantee"])
    )


def _function_changed(ctx: DiffContext, sig: str, a: Record, b: Record) -> Iterator[Change]:
    def change(klass: ChangeClass, why: str, field: str) -> Change:
        return Change("function", sig, "changed", klass, why, a.get(field), b.get(field))

    if b["security_definer"] and not a["security_definer"]:
        callers = _callable_by_api(ctx, sig)
        if callers:
            why = f"now SECURITY DEFINER and callable by {', '.join(callers)}: RLS bypassed"
            yield change(D, why, "security_definer")
        else:
            why = "now SECURITY DEFINER: runs with its owner's rights"
            yield change(R, why, "security_definer")
    elif a["security_definer"] and not b["security_definer"]:
        why = "no longer SECURITY DEFINER: runs with the caller's rights, callers may lose rows"
        yield change(B, why, "security_definer")
    if b["security_definer"] and a["search_path"] is not None and b["search_path"] is None:
        why = "SECURITY DEFINER function lost its pinned search_path: names can be hijacked"
        yield change(D, why, "search_path")
    elif a["search_path"] != b["search_path"]:
        yield change(R, f"search_path changed to {b['search_path']}", "search_path")
    if b["leakproof"] and not a["leakproof"]:
        why = "now LEAKPROOF: the planner may run it on rows before RLS filters them"
        yield change(D, why, "leakproof")
    if a["volatility"] != b["volatility"]:
        yield change(R, f"volatility changed to {b['volatility']}", "volatility")
    if a["owner"] != b["owner"]:
        klass = D if b["security_definer"] else R
        yield change(klass, f"owner changed from {a['owner']} to {b['owner']}", "owner")
    if a["return_type"] != b["return_type"]:
        yield change(B, f"return type changed to {b['return_type']}", "return_type")
    if a["source_sha256"] != b["source_sha256"]:
        yield change(R, "body changed: review what it reads and for whom", "source_sha256")


def role_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.roles, ctx.head.roles
    for name in sorted(head.keys() - base.keys()):
        r = head[name]
        flags = [f for f in ("superuser", "bypassrls") if r[f]]
        if flags:
            why = f"new role with {' and '.join(flags).upper()}: it sees every tenant's rows"
            yield Change("role", name, "added", D, why)
        else:
            yield Change("role", name, "added", R, "new role: check its grants and memberships")
    for name in sorted(base.keys() - head.keys()):
        yield Change("role", name, "removed", B, "role dropped: logins and grants using it break")
    for name in sorted(base.keys() & head.keys()):
        yield from _role_changed(ctx, name, base[name], head[name])


def _role_changed(ctx: DiffContext, name: str, a: Record, b: Record) -> Iterator[Change]:
    for flag, why in WIDENING_ROLE_FLAGS.items():
        if b[flag] and not a[flag]:
            yield Change("role", name, "changed", D, f"{name} {why}", False, True)
        elif a[flag] and not b[flag]:
            yield Change("role", name, "changed", B, f"{name} loses {flag.upper()}", True, False)
    if b["login"] != a["login"]:
        why = f"{name} {'may now' if b['login'] else 'may no longer'} log in"
        yield Change("role", name, "changed", R, why, a["login"], b["login"])
    if b["inherit"] != a["inherit"]:
        why = f"{name} {'now' if b['inherit'] else 'no longer'} inherits its roles' privileges"
        yield Change("role", name, "changed", R, why, a["inherit"], b["inherit"])
    gained = sorted(set(b["member_of"]) - set(a["member_of"]))
    lost = sorted(set(a["member_of"]) - set(b["member_of"]))
    api = ctx.is_api(name)
    if gained:
        why = f"{name} is now a member of {', '.join(gained)}: it gains their privileges"
        yield Change("role", name, "changed", D if api else R, why, a["member_of"], b["member_of"])
    if lost:
        why = f"{name} is no longer a member of {', '.join(lost)}"
        yield Change("role", name, "changed", B if api else R, why, a["member_of"], b["member_of"])
