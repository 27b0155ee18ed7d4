"""Identifier folding as PostgreSQL does it: unquoted names fold to lower case."""

from __future__ import annotations

import logging

from sqlglot import exp


def quiet_sqlglot() -> None:
    """sqlglot logs a warning for each statement it reads as an opaque Command; the lint
    reports what matters itself (RLS303), so the warnings would only be noise."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def ident(node: exp.Expression | str | None) -> str:
    """The name an identifier denotes: quoted names keep their case, others fold."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.lower()
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return str(node.name).lower()


def table_name(table: exp.Table) -> tuple[str | None, str]:
    """(schema or None, name) of a table reference; name is '' for table functions."""
    this = table.args.get("this")
    if not isinstance(this, exp.Identifier):
        return None, ""
    db = table.args.get("db")
    return (ident(db) if isinstance(db, exp.Identifier) else None), ident(this)


def start_offset(table: exp.Table) -> int | None:
    """Character offset where the reference starts (its schema if qualified)."""
    starts = [
        part.meta["start"]
        for part in (table.args.get("catalog"), table.args.get("db"), table.args.get("this"))
        if isinstance(part, exp.Identifier) and "start" in part.meta
    ]
    return min(starts) if starts else None


def display(node: exp.Expression) -> str:
    """A value as the statement spells it: `$1`, `:name`, `%(name)s`, `%s`, `?`."""
    if isinstance(node, exp.Placeholder):
        this = node.args.get("this")
        if isinstance(this, exp.Identifier):
            return f"%({this.this})s"
        if this:
            return f":{this}"
        return "?" if node.args.get("jdbc") else "%s"
    return node.sql(dialect="postgres")
