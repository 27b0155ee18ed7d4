"""Data-modifying statements rewritten as the SELECT that finds the rows they touch.

`UPDATE t SET .. FROM a WHERE p` touches the rows of `SELECT .. FROM t, a WHERE p`;
`DELETE FROM t USING a WHERE p` likewise; `MERGE INTO t USING s ON p` is a join whose
kind follows its WHEN clauses (NOT MATCHED keeps every source row, NOT MATCHED BY SOURCE
every target row). One rewrite lets sqlglot's scope module and one analysis cover every
statement kind, with the original nodes (and so their positions) kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from .names import ident, table_name
from .tenants import TenantTable, TenantTables

DML = (exp.Update, exp.Delete, exp.Merge, exp.Insert)
_INSERTING = (exp.Insert, exp.Merge)


@dataclass(frozen=True, slots=True)
class MissingTenant:
    """An INSERT into a tenant table that does not set the tenant column."""

    node: exp.Table
    table: TenantTable
    detail: str


def _one() -> exp.Expression:
    return exp.Literal.number(1)


def _flatten(tables: list[exp.Expression]) -> list[exp.Join]:
    """FROM/USING lists as plain joins (`FROM a JOIN b ON .., c`)."""
    joins: list[exp.Join] = []
    for table in tables:
        nested = table.args.get("joins") or []
        table.set("joins", None)
        joins.append(exp.Join(this=table))
        joins.extend(nested)
    return joins


def _select(
    projections: list[exp.Expression],
    first: exp.Expression,
    joins: list[exp.Join],
    node: exp.Expression,
    where: exp.Expression | None = None,
) -> exp.Select:
    return exp.Select(
        expressions=projections or [_one()],
        from_=exp.From(this=first),
        joins=joins or None,
        where=where,
        with_=node.args.get("with_"),
    )


def _returning(node: exp.Expression) -> list[exp.Expression]:
    ret = node.args.get("returning")
    return [e for e in ret.expressions if not isinstance(e, exp.Star)] if ret else []


def _set_values(assignments: list[exp.Expression]) -> list[exp.Expression]:
    return [a.expression if isinstance(a, exp.EQ) else a for a in assignments]


def _update(node: exp.Update) -> exp.Select:
    from_ = node.args.get("from_")
    joins = _flatten([from_.this]) if from_ else []
    projections = _set_values(node.expressions) + _returning(node)
    return _select(projections, node.this, joins, node, node.args.get("where"))


def _delete(node: exp.Delete) -> exp.Select:
    joins = _flatten(list(node.args.get("using") or []))
    return _select(_returning(node), node.this, joins, node, node.args.get("where"))


def _merge(node: exp.Merge) -> exp.Select:
    whens = node.args.get("whens")
    clauses = list(whens.expressions) if whens else []
    keeps_source = any(not w.args.get("matched") and not w.args.get("source") for w in clauses)
    keeps_target = any(not w.args.get("matched") and w.args.get("source") for w in clauses)
    side = {
        (True, True): "FULL",
        (True, False): "LEFT",
        (False, True): "RIGHT",
        (False, False): None,
    }[(keeps_source, keeps_target)]
    projections: list[exp.Expression] = []
    for when in clauses:
        if when.args.get("condition") is not None:
            projections.append(when.args["condition"])
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            projections.extend(_set_values(then.expressions))
        elif isinstance(then, exp.Insert) and isinstance(then.expression, exp.Tuple):
            projections.extend(then.expression.expressions)
    join = exp.Join(this=node.this, on=node.args.get("on"), side=side)
    return _select(projections + _returning(node), node.args["using"], [join], node)


def _insert(node: exp.Insert) -> exp.Select:
    source = node.expression
    projections: list[exp.Expression] = []
    if isinstance(source, exp.Values):
        for row in source.expressions:
            projections.extend(row.expressions if isinstance(row, exp.Tuple) else [row])
    elif isinstance(source, exp.Query):
        projections.append(exp.Subquery(this=source))
    conflict = node.args.get("conflict")
    if conflict is not None:
        projections.extend(_set_values(conflict.expressions or []))
    return exp.Select(expressions=projections or [_one()], with_=node.args.get("with_"))


def top_dml(tree: exp.Expression) -> list[exp.Expression]:
    """The DML nodes of a statement without walking it: the statement itself and its
    CTEs (PostgreSQL allows data-modifying statements only at the top level)."""
    nodes = [tree] if isinstance(tree, DML) else []
    with_ = tree.args.get("with_")
    for cte in with_.expressions if with_ is not None else []:
        if isinstance(cte.this, DML):
            nodes.append(cte.this)
    return nodes


def as_query(
    tree: exp.Expression, nodes: list[exp.Expression]
) -> tuple[exp.Expression, dict[int, str], list[exp.Table]]:
    """The tree with every DML node of `nodes` replaced by its SELECT; what each DML did
    to its target table (`id(table node) -> "updated"`); and the INSERT targets, which
    the rewrite leaves out of the tree."""
    actions: dict[int, str] = {}
    detached: list[exp.Table] = []
    nodes = sorted(
        (n for n in nodes if not isinstance(n.parent, exp.When)),  # MERGE's own INSERT
        key=lambda n: n.depth,
        reverse=True,  # data-modifying CTEs before the statement that reads them
    )
    for node in nodes:
        if isinstance(node, exp.Update):
            actions[id(node.this)] = "updated"
            new: exp.Expression = _update(node)
        elif isinstance(node, exp.Delete):
            actions[id(node.this)] = "deleted from"
            new = _delete(node)
        elif isinstance(node, exp.Merge):
            actions[id(node.this)] = "merged into"
            actions[id(node.args["using"])] = "the source of a MERGE"
            new = _merge(node)
        else:
            target = node.this
            target = target.this if isinstance(target, exp.Schema) else target
            if isinstance(target, exp.Table):
                detached.append(target)
            new = _insert(node)
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree, actions, detached


def _is_unset(value: exp.Expression) -> bool:
    return isinstance(value, exp.Null) or (
        isinstance(value, exp.Var) and value.name.upper() == "DEFAULT"
    )


def _rows(source: exp.Expression | None) -> list[list[exp.Expression]] | None:
    """The value rows of VALUES, the projection of a SELECT, None when unknown."""
    if isinstance(source, exp.Values):
        return [r.expressions if isinstance(r, exp.Tuple) else [r] for r in source.expressions]
    if isinstance(source, exp.Tuple):
        return [source.expressions]
    if isinstance(source, exp.Select):
        if any(isinstance(e, exp.Star) for e in source.expressions):
            return None
        return [[e.unalias() for e in source.expressions]]
    return None


def _check_insert(
    table: TenantTable, columns: list[str] | None, source: exp.Expression | None
) -> str | None:
    """Why this INSERT leaves the tenant column unset, or None when it sets it."""
    col = table.tenant_column
    if table.tenant_default:
        return None
    if columns is not None:
        if col not in columns:
            return f"its column list leaves out {col}"
        index = columns.index(col)
    elif table.columns and col in table.columns:
        index = table.columns.index(col)
    else:
        return None  # no column list and unknown column order: cannot tell
    rows = _rows(source)
    if source is None and columns is None:
        return f"DEFAULT VALUES leaves {col} unset"
    for row in rows or []:
        if index >= len(row):
            return f"it gives fewer values than the position of {col}"
        if _is_unset(row[index]):
            return f"it sets {col} to {row[index].sql(dialect='postgres')}"
    return None


def insert_problems(nodes: list[exp.Expression], tenants: TenantTables) -> list[MissingTenant]:
    """INSERTs (and MERGE ... THEN INSERT) among `nodes` that leave the tenant unset."""
    found: list[MissingTenant] = []
    for node in nodes:
        if not isinstance(node, _INSERTING) or isinstance(node.parent, exp.When):
            continue
        if isinstance(node, exp.Merge):
            target = node.this
            whens = node.args.get("whens")
            inserts = [
                w.args["then"]
                for w in (whens.expressions if whens else [])
                if isinstance(w.args.get("then"), exp.Insert)
            ]
            pairs = [
                (
                    [ident(c) for c in ins.this.expressions]
                    if isinstance(ins.this, exp.Tuple)
                    else None,
                    ins.expression,
                )
                for ins in inserts
            ]
        else:
            schema = node.this
            target = schema.this if isinstance(schema, exp.Schema) else schema
            columns = (
                [ident(c) for c in schema.expressions] if isinstance(schema, exp.Schema) else None
            )
            pairs = [(columns, node.expression)]
        if not isinstance(target, exp.Table):
            continue
        table = tenants.lookup(*table_name(target))
        if table is None:
            continue
        for columns, source in pairs:
            detail = _check_insert(table, columns, source)
            if detail:
                found.append(MissingTenant(target, table, detail))
                break
    return found
