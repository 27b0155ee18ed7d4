"""Classify changes of tables, views, columns and constraints."""

from __future__ import annotations

from collections.abc import Iterator

from .change import Change, ChangeClass, DiffContext, short
from .model import Record

D, B, R, S = (
    ChangeClass.DANGEROUS,
    ChangeClass.BREAKING,
    ChangeClass.REVIEW,
    ChangeClass.SAFE,
)


def table_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.tables, ctx.head.tables
    for name in sorted(head.keys() - base.keys()):
        yield _added(ctx, name, head[name])
    for name in sorted(base.keys() - head.keys()):
        kind = base[name]["kind"]
        why = f"{kind} dropped: clients and functions using it break"
        yield Change(kind, name, "removed", B, why)
    for name in sorted(base.keys() & head.keys()):
        yield from _changed(ctx, name, base[name], head[name])


def _added(ctx: DiffContext, name: str, t: Record) -> Change:
    kind = t["kind"]
    if kind == "view":
        if t.get("exposed") and not t.get("security_invoker"):
            why = "new view runs with its owner's rights: RLS of the tables it reads is bypassed"
            return Change(kind, name, "added", R, why)
        return Change(kind, name, "added", S, "new view checks the caller's rights")
    if kind not in ("table", "partitioned table", "foreign table"):
        return Change(kind, name, "added", R, f"new {kind}: check what the API roles may read")
    if not t.get("tenant_column"):
        if t.get("exposed"):
            why = "new shared table (no tenant column): every tenant sees the same rows"
            return Change(kind, name, "added", R, why)
        return Change(kind, name, "added", S, "new table outside the exposed schemas")
    if not t["rls_enabled"]:
        why = "new tenant table without row level security: every row is visible to grantees"
        return Change(kind, name, "added", D, why)
    if not t["rls_forced"]:
        why = "new tenant table with RLS enabled but not forced: its owner bypasses the policies"
        return Change(kind, name, "added", R, why)
    return Change(kind, name, "added", S, "new tenant table with RLS enabled and forced")


def _changed(ctx: DiffContext, name: str, a: Record, b: Record) -> Iterator[Change]:
    kind = b["kind"]

    def change(klass: ChangeClass, why: str, field: str) -> Change:
        return Change(kind, name, "changed", klass, why, a.get(field), b.get(field))

    if a["rls_enabled"] and not b["rls_enabled"]:
        why = "RLS disabled: policies no longer apply, every row is visible to grantees"
        yield change(D, why, "rls_enabled")
    elif b["rls_enabled"] and not a["rls_enabled"]:
        if ctx.head_policies(name):
            yield change(S, "RLS enabled: the policies now filter every row", "rls_enabled")
        else:
            yield change(B, "RLS enabled with no policy: API roles now see no rows", "rls_enabled")
    if a["rls_forced"] and not b["rls_forced"]:
        why = "FORCE ROW LEVEL SECURITY dropped: the table owner now bypasses the policies"
        yield change(D, why, "rls_forced")
    elif b["rls_forced"] and not a["rls_forced"]:
        yield change(S, "FORCE ROW LEVEL SECURITY added: the owner is bound too", "rls_forced")
    if a.get("tenant_column") and not b.get("tenant_column"):
        why = f"tenant column {a['tenant_column']} dropped: the table is no longer tenant-scoped"
        yield change(D, why, "tenant_column")
    elif b.get("tenant_column") and not a.get("tenant_column"):
        yield change(R, "becomes a tenant table: check its policies and grants", "tenant_column")
    if a.get("security_invoker") and not b.get("security_invoker"):
        why = "view now runs with its owner's rights: RLS of the tables it reads is bypassed"
        yield change(D, why, "security_invoker")
    elif b.get("security_invoker") and not a.get("security_invoker"):
        why = "view now checks the caller's rights: callers without grants lose access"
        yield change(B, why, "security_invoker")
    if a.get("security_barrier") and not b.get("security_barrier"):
        why = "security_barrier dropped: leaky functions may see rows before the view filters"
        yield change(R, why, "security_barrier")
    if a["owner"] != b["owner"]:
        yield change(R, f"owner changed from {a['owner']} to {b['owner']}", "owner")
    if a["kind"] != b["kind"]:
        yield change(R, f"changed from {a['kind']} to {b['kind']}", "kind")
    yield from _columns(ctx, name, a, b)


def _columns(ctx: DiffContext, table: str, a: Record, b: Record) -> Iterator[Change]:
    ca, cb = a.get("columns", {}), b.get("columns", {})
    tenant = b.get("tenant_column") or ""
    for col in sorted(cb.keys() - ca.keys()):
        c = cb[col]
        obj = f"{table}.{col}"
        if c["not_null"] and not c["has_default"]:
            why = f"new NOT NULL column {col} without default: inserts that omit it fail"
            yield Change("column", obj, "added", B, why, None, c["type"])
        else:
            yield Change("column", obj, "added", S, f"column {col} added", None, c["type"])
    for col in sorted(ca.keys() - cb.keys()):
        yield Change("column", f"{table}.{col}", "removed", B, f"column {col} dropped")
    for col in sorted(ca.keys() & cb.keys()):
        x, y, obj = ca[col], cb[col], f"{table}.{col}"
        if x["type"] != y["type"]:
            why = f"type changed from {x['type']} to {y['type']}"
            yield Change("column", obj, "changed", B, why, x["type"], y["type"])
        if y["not_null"] and not x["not_null"]:
            why = "now NOT NULL: writes that leave it empty fail"
            yield Change("column", obj, "changed", B, why, False, True)
        elif x["not_null"] and not y["not_null"]:
            klass = R if col == tenant else S
            why = "now nullable" + (": rows without a tenant match no policy" if klass is R else "")
            yield Change("column", obj, "changed", klass, why, True, False)


def constraint_changes(ctx: DiffContext) -> Iterator[Change]:
    base, head = ctx.base.constraints, ctx.head.constraints
    for name in sorted(head.keys() - base.keys()):
        yield _constraint_added(ctx, name, head[name])
    for name in sorted(base.keys() - head.keys()):
        c = base[name]
        if ctx.gone_table(c["table"]):
            continue
        why = f"{c['type']} constraint dropped: the database no longer enforces it"
        yield Change("constraint", name, "removed", R, why, c["definition"], None)
    for name in sorted(base.keys() & head.keys()):
        a, b = base[name], head[name]
        if a["definition"] == b["definition"]:
            continue
        if a["includes_tenant_column"] and not b["includes_tenant_column"]:
            why = f"no longer includes {ctx.tenant_column}: rows of different tenants may meet"
            klass = ChangeClass.DANGEROUS
        else:
            why = f"definition changed: {short(b['definition'], 60)}"
            klass = ChangeClass.REVIEW
        yield Change("constraint", name, "changed", klass, why, a["definition"], b["definition"])


def _constraint_added(ctx: DiffContext, name: str, c: Record) -> Change:
    table = ctx.head_table(c["table"]) or {}
    scoped = c["type"] in ("foreign key", "unique") and table.get("tenant_column")
    if scoped and not c["includes_tenant_column"]:
        why = (
            f"new {c['type']} without {ctx.tenant_column}: it can reach across tenants "
            "(a reference or a duplicate check)"
        )
        return Change("constraint", name, "added", R, why, None, c["definition"])
    why = f"new {c['type']} constraint" + (
        f" scoped by {ctx.tenant_column}" if c["includes_tenant_column"] else ""
    )
    if ctx.new_table(c["table"]):
        why += " on a new table"
    return Change("constraint", name, "added", S, why, None, c["definition"])
