"""Rewriting policy predicates for the fixes: the parsed expression is changed and printed
back with sqlglot's PostgreSQL dialect, so the fix keeps the rest of the predicate."""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from ._predicate import _COMPARE, Knowledge, _Reader, _table_key, _unparen, call_name, parse


def wrap_per_row(text: str, key: str, table: str, known: Knowledge) -> str | None:
    """The predicate with each context value compared per row wrapped in `(SELECT ...)`,
    so PostgreSQL evaluates it once per statement (an InitPlan); None if nothing to do."""
    return _wrap_per_row(text, key, _table_key(text, table), known)


@lru_cache(maxsize=4096)
def _wrap_per_row(text: str, key: str, table: str, known: Knowledge) -> str | None:
    tree = parse(text)
    if tree is None:
        return None
    tree = tree.copy()
    reader = _Reader(key, table, known)
    changed = False
    for _, ctx in list(reader.comparisons(tree)):
        if ctx.find_ancestor(exp.Select) or isinstance(_unparen(ctx), exp.Subquery):
            continue
        ctx.replace(exp.Subquery(this=exp.select(_unparen(ctx).copy())))
        changed = True
    return tree.sql(dialect="postgres") if changed else None


@lru_cache(maxsize=4096)
def guard_context_reads(text: str) -> str | None:
    """current_setting(x) -> NULLIF(current_setting(x, true), '') before any cast."""
    tree = parse(text)
    if tree is None:
        return None
    tree = tree.copy()
    changed = False
    for node in list(tree.walk()):
        name = call_name(node)
        if not name or name.rpartition(".")[2] != "current_setting":
            continue
        func = node.expression if isinstance(node, exp.Dot) else node
        args = list(func.expressions)
        if len(args) == 1:
            func.set("expressions", [args[0], exp.true()])
            changed = True
        if not isinstance(node.parent, exp.Nullif):
            node.replace(exp.Nullif(this=node.copy(), expression=exp.Literal.string("")))
            changed = True
    return tree.sql(dialect="postgres") if changed else None


def replace_columns(text: str, columns: tuple[str, ...], key: str) -> str | None:
    """The predicate with the given columns, where compared with a context, renamed to the
    tenant key (`id = ctx` on a tenant table becomes `tenant_id = ctx`)."""
    tree = parse(text)
    if tree is None:
        return None
    tree = tree.copy()
    wanted = {c.lower() for c in columns}
    for node in list(tree.find_all(exp.Column)):
        if node.name.lower() in wanted and node.find_ancestor(*_COMPARE):
            node.replace(exp.column(key))
    return tree.sql(dialect="postgres")
