"""The commonest application statements, decided without the analysis.

`SELECT/UPDATE/DELETE` on one table whose WHERE has the conjunct `tenant_id = <value>`
(a parameter, a literal, `current_setting('...')::uuid`) is restricted, and a flat
`INSERT ... VALUES` reads no table: the full analysis would conclude the same after
building its scope, classes and rewrite, at about the cost of parsing the statement.
Anything else (a join, an OR, a variable, a quoted name) goes to the full analysis.
"""

from __future__ import annotations

from sqlglot import exp

from .names import ident, table_name

_ONE_TABLE = (exp.Select, exp.Update, exp.Delete)
_WRAPPERS = (exp.Paren, exp.Cast)
_VALUES = (exp.Placeholder, exp.Parameter, exp.Literal)


def restricted_alone(tree: exp.Expression, table: exp.Table, column: str) -> bool:
    """Whether `tree` reads (or writes) only `table`, restricted to one tenant by a
    `column = value` conjunct of its WHERE."""
    if not isinstance(tree, _ONE_TABLE):
        return False
    args = tree.args
    if isinstance(tree, exp.Select):
        from_ = args.get("from_")
        if from_ is None or from_.this is not table or args.get("joins"):
            return False
    elif tree.this is not table or args.get("from_") or args.get("using"):
        return False
    if table.args.get("joins"):
        return False
    where = args.get("where")
    if where is None:
        return False
    alias = table.args.get("alias")
    if alias is not None:
        name = ident(alias.this) if isinstance(alias.this, exp.Identifier) else None
        if name is None or alias.columns:
            return False
    else:
        name = table_name(table)[1]
    parts = where.this.flatten() if isinstance(where.this, exp.And) else (where.this,)
    return any(_pins(part, name, column) for part in parts)


def _pins(e: exp.Expression, qualifier: str, column: str) -> bool:
    """`column = value` or `value = column`, the column bare or qualified by the table."""
    if type(e) is not exp.EQ:
        return False
    left, right = e.this, e.expression
    if type(right) is exp.Column:
        left, right = right, left
    return type(left) is exp.Column and _is_column(left, qualifier, column) and _value(right)


def _is_column(col: exp.Column, qualifier: str, column: str) -> bool:
    this = col.args.get("this")
    if not isinstance(this, exp.Identifier) or this.quoted or this.this.lower() != column:
        return False
    if col.args.get("db") or col.args.get("catalog"):
        return False
    table = col.args.get("table")
    if table is None:
        return True
    return (
        isinstance(table, exp.Identifier) and not table.quoted and table.this.lower() == qualifier
    )


def _value(e: exp.Expression) -> bool:
    while isinstance(e, _WRAPPERS):
        e = e.this
    if isinstance(e, _VALUES):
        return True
    if type(e) is exp.Anonymous:  # current_setting('app.current_tenant_id')
        return all(type(a) is exp.Literal for a in e.expressions)
    return False
