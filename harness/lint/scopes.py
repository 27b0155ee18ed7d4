"""Scope helpers: the query blocks of a statement and what each one reads from.

sqlglot's scope module models CTEs, subqueries, set operations and LATERAL; `FlatScope`
stands in for it on statements that have none of them (most application statements),
because building scopes costs about as much as parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from .dml import DML
from .names import ident, table_name
from .tenants import TenantTables

AMBIGUOUS = object()
"""A bare column more than one source could own (PostgreSQL would refuse it)."""

NESTING = (exp.Query, exp.Subquery, exp.With, exp.Lateral, exp.UDTF)
"""Nodes that open a scope of their own: without them a statement is one flat scope."""
KINDS: dict[type, int] = {}
"""Node class -> 1 table, 2 DML, 3 nesting, 0 other: one dict hit per node of the walk."""
_REWRITTEN = (exp.Update, exp.Delete, exp.Merge)


def node_kind(node: exp.Expression) -> int:
    if isinstance(node, exp.Table):
        return 1
    if isinstance(node, DML):
        return 2
    return 3 if isinstance(node, NESTING) else 0


class FlatScope:
    """The one scope of a statement without subqueries, CTEs, set operations or
    LATERAL, with the attributes of sqlglot's Scope the analysis reads. build_scope costs
    about as much as parsing; most application statements are flat."""

    parent = None
    cte_scopes = derived_table_scopes = udtf_scopes = set_operation_scopes = ()
    subquery_scopes = ()

    def __init__(self, select: exp.Select) -> None:
        self.expression = select
        self.selected_sources = {
            node.alias_or_name: (node, node)
            for node, _ in from_items(select)
            if isinstance(node, exp.Table)
        }
        self.sources = self.selected_sources


def shallow_tables(tree: exp.Expression) -> tuple[list[exp.Table], list[exp.Expression]] | None:
    """(tables, DML nodes) of a flat statement read from its FROM list, target and
    USING list, without walking the tree; None for a statement of another shape."""
    if isinstance(tree, exp.Select):
        return [n for n, _ in from_items(tree) if isinstance(n, exp.Table)], []
    if isinstance(tree, exp.Insert):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        return ([target] if isinstance(target, exp.Table) else []), [tree]
    if isinstance(tree, _REWRITTEN):
        if not isinstance(tree.this, exp.Expression):
            return None  # `DELETE users` parses with no target: the full analysis decides
        listed: list[exp.Expression] = [tree.this]
        if isinstance(tree, exp.Merge):
            listed.append(tree.args["using"])
        else:
            from_ = tree.args.get("from_")
            listed.extend([from_.this] if from_ is not None else [])
            listed.extend(tree.args.get("using") or [])
        tables = []
        for node in listed:
            tables.append(node)
            tables.extend(j.this for j in node.args.get("joins") or [])
        if not all(isinstance(t, exp.Table) for t in tables):
            return None
        return tables, [tree]  # type: ignore[return-value]
    return None


def set_branches(tree: exp.Expression) -> list[exp.Select] | None:
    """The SELECTs of a set operation (`a UNION b EXCEPT c`), None when a branch is
    another kind of query or has a WITH of its own."""
    branches: list[exp.Select] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.SetOperation):
            if node.args.get("with_") is not None:
                return None
            stack.append(node.expression)
            stack.append(node.this)
        elif isinstance(node, exp.Select) and node.args.get("with_") is None:
            branches.append(node)
        else:
            return None
    return branches


def set_tables(tree: exp.Expression) -> tuple[list[exp.Table], list[exp.Expression]] | None:
    """`shallow_tables` of a set operation whose branches are flat SELECTs."""
    branches = set_branches(tree) if isinstance(tree, exp.SetOperation) else None
    if branches is None:
        return None
    return [n for b in branches for n, _ in from_items(b) if isinstance(n, exp.Table)], []


def insert_tables(tree: exp.Expression) -> tuple[list[exp.Table], list[exp.Expression]] | None:
    """`shallow_tables` of INSERT ... SELECT from a flat SELECT: the target, the tables
    the SELECT reads."""
    if not isinstance(tree, exp.Insert) or tree.args.get("with_") is not None:
        return None
    source = tree.expression
    if not isinstance(source, exp.Select) or source.args.get("with_") is not None:
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(target, exp.Table):
        return None
    tables = [n for n, _ in from_items(source) if isinstance(n, exp.Table)]
    return [target, *tables], [tree]


def solving_order(scope: Scope) -> Iterator[Scope]:
    """Scopes in solving order: a scope's CTEs and derived tables before it (it reads
    what they export), its subqueries after it (they read what it restricts)."""
    for child in (*scope.cte_scopes, *scope.derived_table_scopes, *scope.udtf_scopes):
        yield from solving_order(child)
    yield scope
    for child in (*scope.set_operation_scopes, *scope.subquery_scopes):
        yield from solving_order(child)


def chain(scope: Scope | None) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent


def from_items(select: exp.Select) -> Iterator[tuple[exp.Expression, exp.Join | None]]:
    """FROM items in join order: (source node, its Join or None for the first)."""
    from_ = select.args.get("from_")
    if from_ is not None:
        yield from_.this, None
        for join in from_.this.args.get("joins") or []:
            yield join.this, join
    for join in select.args.get("joins") or []:
        yield join.this, join
        for nested in join.this.args.get("joins") or []:
            yield nested.this, nested


def clause_of(node: exp.Expression) -> str:
    parent = node.parent
    if isinstance(parent, exp.Join) and parent.args.get("on") is not None:
        return "ON"
    return "WHERE"


def output_name(p: exp.Expression) -> str:
    alias = p.args.get("alias") if isinstance(p, exp.Alias) else None
    if isinstance(alias, exp.Identifier):
        return ident(alias)
    if isinstance(p, exp.Column) and isinstance(p.args.get("this"), exp.Identifier):
        return ident(p.args["this"])
    return p.alias_or_name.lower()


def output_names(expr: exp.Expression) -> frozenset[str] | None:
    while isinstance(expr, exp.SetOperation):
        expr = expr.this
    if not isinstance(expr, exp.Select):
        return None
    if any(
        isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star)
        for p in expr.expressions
    ):
        return None
    return frozenset(output_name(p) for p in expr.expressions)


class Names:
    """Name resolution in scopes: which source a qualifier or a bare column denotes.

    A bare column belongs to the one source that has it; when no source can have it
    (all sources' columns are known, in this scope and the enclosing ones), it is a
    PL/pgSQL variable or a function parameter."""

    def __init__(self, tenants: TenantTables) -> None:
        self.tenants = tenants
        self._cache: dict[int, dict[str, tuple[exp.Expression, Any]]] = {}
        self._outputs: dict[int, frozenset[str] | None] = {}
        self._found: dict[int, dict[str, tuple[Any, exp.Expression, Any]]] = {}
        self._owners: dict[tuple[int, str], Any] = {}

    def sources(self, scope: Scope) -> dict[str, tuple[exp.Expression, Any]]:
        """Sources visible by name in this scope, names folded as PostgreSQL does."""
        key = id(scope)
        found = self._cache.get(key)
        if found is None:
            raw = (
                scope.selected_sources
                if isinstance(scope.expression, exp.Select)
                else {k: (v, v) for k, v in scope.sources.items() if k}
            )
            found = {}
            for name, (node, source) in raw.items():
                alias = node.args.get("alias") if isinstance(node, exp.Expression) else None
                if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
                    folded = ident(alias.this)
                elif isinstance(node, exp.Table):
                    folded = table_name(node)[1] or name.lower()
                else:
                    folded = name.lower()
                found[folded] = (node, source)
            self._cache[key] = found
        return found

    def columns(self, source: Any) -> frozenset[str] | None:
        """Column names a source exposes, or None when they are not known."""
        if isinstance(source, exp.Table):
            alias = source.args.get("alias")
            if isinstance(alias, exp.TableAlias) and alias.columns:
                return frozenset(ident(c) for c in alias.columns)
            schema, name = table_name(source)
            return self.tenants.columns_of(schema, name) if name else None
        if isinstance(source, Scope):
            key = id(source)
            if key not in self._outputs:
                self._outputs[key] = output_names(source.expression)
            return self._outputs[key]
        return None

    def owner(self, scope: Scope, name: str) -> Any:
        """(scope, node, source) owning an unqualified column, None for a variable."""
        key = (id(scope), name)
        if key not in self._owners:
            self._owners[key] = self._owner(scope, name)
        return self._owners[key]

    def _owner(self, scope: Scope, name: str) -> Any:
        for sc in chain(scope):
            candidates, unknown = [], []
            for node, source in self.sources(sc).values():
                cols = self.columns(source)
                if cols is None:
                    unknown.append((sc, node, source))
                elif name in cols:
                    candidates.append((sc, node, source))
            if len(candidates) == 1:
                return candidates[0]
            if candidates or len(unknown) > 1:
                return AMBIGUOUS
            if unknown:
                return unknown[0]
        return None

    def find(self, scope: Scope, qualifier: str) -> Any:
        """(scope, node, source) a qualifier names, here or in an enclosing scope."""
        return self.visible(scope).get(qualifier)

    def visible(self, scope: Scope) -> dict[str, tuple[Any, exp.Expression, Any]]:
        """Every qualifier usable in `scope`: its own sources over the enclosing ones'."""
        key = id(scope)
        found = self._found.get(key)
        if found is None:
            found = {} if scope.parent is None else dict(self.visible(scope.parent))
            for name, (node, source) in self.sources(scope).items():
                found[name] = (scope, node, source)
            self._found[key] = found
        return found

    def join_conditions(
        self, join: exp.Join, node: exp.Expression, seen: list[int], scope: Scope
    ) -> list[exp.Expression]:
        """ON, plus USING (col) as equalities between the named sources."""
        conds = [join.args["on"]] if join.args.get("on") is not None else []
        using = join.args.get("using") or []
        if using:
            by_id = {id(n): (name, n, src) for name, (n, src) in self.sources(scope).items()}
            right = by_id.get(id(node))
            for col in using:
                name = ident(col)
                left = next(
                    (
                        by_id[s]
                        for s in seen
                        if s in by_id and name in (self.columns(by_id[s][2]) or ())
                    ),
                    None,
                )
                if left and right:
                    conds.append(
                        exp.EQ(
                            this=exp.column(name, table=left[0], quoted=True),
                            expression=exp.column(name, table=right[0], quoted=True),
                        )
                    )
        return conds
