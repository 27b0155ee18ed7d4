"""What a column or an expression of one query block stands for, as a `Term`.

A column is a term of its own (`("c", id(source), name)`) unless it names a value from
outside the query: a PL/pgSQL variable or function parameter, a record field, a name
Python interpolates, a column an enclosing scope has already restricted, or the single
value a CTE or subquery exports. Parameters, literals, scalar subqueries and expressions
of those alone are constants (`("k", key, "")`), so that equal ones meet in one class
when `solve.py` merges the equalities of a predicate.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from .names import ident
from .scopes import AMBIGUOUS, Names, output_name
from .solve import Term
from .tenants import TenantTables

# isinstance with tuples: a `A | B` union is built anew at each call, and checked slower
_WRAPPERS = (exp.Paren, exp.Cast)
_NO_VALUE = (exp.Null, exp.Any, exp.All, exp.Star, exp.Query)
_NOT_CONSTANT = (exp.AggFunc, exp.Window, exp.Query)
_LEAVES = (exp.Literal, exp.Identifier, exp.Var, exp.DataType)
_PARAMETERS = (exp.Placeholder, exp.Parameter)


class TermReader:
    """Mixin of the analyzer: the terms of columns and expressions in one scope. It reads
    and records the analyzer's state (`values`, `solved`, `pending`, `display`)."""

    tenants: TenantTables
    markers: dict[str, str]
    variables: frozenset[str]
    variables_first: bool
    values: dict[Term, str]
    display: dict[object, exp.Expression]
    pending: bool
    solved: set[int]
    names: Names
    _exporting: set[tuple[int, str]]

    def _column(self, col: exp.Column, scope: Scope) -> Term | None:
        this = col.args.get("this")
        if not isinstance(this, exp.Identifier):
            return None
        name = this.this if this.quoted else this.this.lower()
        qualifier = col.args.get("table")
        if qualifier is not None:
            qual = qualifier.this if qualifier.quoted else qualifier.this.lower()
            found = self.names.visible(scope).get(qual)
            if found is None:  # NEW.x, a record variable, fn.param: one value per call
                return ("k", f"v:{qual}.{name}", "")
        else:
            if self.variables_first and name in self.variables:
                return ("k", f"v:{name}", "")
            if self.markers and name in self.markers:  # a value Python interpolates
                return ("k", f"v:{self.markers[name]}", "")
            found = self.names.owner(scope, name)
            if found is AMBIGUOUS:
                return None
            if found is None:
                return ("k", f"v:{name}", "")
        owner, node, source = found
        if isinstance(source, Scope):
            value = self._output(source, name)
            return ("k", f"d:{value}", "") if value else ("c", id(node), name)
        term: Term = ("c", id(node), name)
        if owner is not scope:
            value = self.values.get(term)
            if value:
                return ("k", f"o:{value}", "")
            if id(owner) not in self.solved:
                self.pending = True
        return term

    def _term(self, e: exp.Expression, scope: Scope) -> Term | None:
        while isinstance(e, _WRAPPERS):
            e = e.this
        if isinstance(e, exp.Column):
            return self._column(e, scope)
        if isinstance(e, exp.Parameter):
            return self._const(f"p:{e.this.name if e.this else ''}", e)
        if isinstance(e, exp.Placeholder):  # `%s` and `?` are new values each time
            name = e.args.get("this")
            return self._const(f"n:{ident(name)}" if name else f"a:{id(e)}", e)
        if isinstance(e, exp.Literal):
            return self._const(f"l:{e.this}", e)
        if isinstance(e, exp.Subquery):  # a scalar subquery yields at most one row
            return self._const(f"s:{id(e)}", e)
        if isinstance(e, _NO_VALUE):
            return None
        key = self._key(e, scope)
        return None if key is None else self._const(f"e:{key}", e)

    def _key(self, e: exp.Expression, scope: Scope) -> str | None:
        """A structural key for an expression of constants (`current_setting('x')::uuid`),
        or None when it reads a column of this query or aggregates."""
        if isinstance(e, exp.Column):
            t = self._column(e, scope)
            return None if t is None or t[0] == "c" else str(t[1])
        if isinstance(e, _NOT_CONSTANT):
            return None
        if isinstance(e, _LEAVES):
            return f"{e.key}:{e.this}"
        if isinstance(e, _PARAMETERS):
            t = self._term(e, scope)
            return None if t is None else str(t[1])
        parts = [e.key, str(e.args.get("this")) if isinstance(e.args.get("this"), str) else ""]
        for child in e.iter_expressions():
            part = self._key(child, scope)
            if part is None:
                return None
            parts.append(part)
        return "(" + ",".join(parts) + ")"

    def _const(self, key: str, node: exp.Expression) -> Term:
        self.display.setdefault(key, node)
        return ("k", key, "")

    def _output(self, scope: Scope, name: str) -> str | None:
        """The single value a CTE or subquery exports in column `name`, if it has one."""
        key = (id(scope), name)
        if key in self._exporting:  # a recursive CTE refers to itself
            return None
        self._exporting.add(key)
        try:
            return self._export(scope, name)
        finally:
            self._exporting.discard(key)

    def _export(self, scope: Scope, name: str) -> str | None:
        expr = scope.expression
        if isinstance(expr, exp.SetOperation):
            values = [self._output(s, name) for s in scope.set_operation_scopes]
            return values[0] if values and all(v == values[0] for v in values) else None
        if not isinstance(expr, exp.Select):
            return None
        star = False
        for p in expr.expressions:
            if isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star):
                star = True
            elif output_name(p) == name:
                t = self._term(p.unalias(), scope)
                return None if t is None else (t[1] if t[0] == "k" else self.values.get(t))  # type: ignore[return-value]
        if star:
            for node, source in self.names.sources(scope).values():
                cols = self.names.columns(source)
                if cols is not None and name in cols:
                    if isinstance(source, Scope):
                        return self._output(source, name)
                    return self.values.get(("c", id(node), name))
        return None


class TermOf:
    """`term(expression)` in one scope, carrying the tenant column for the pre-filter."""

    __slots__ = ("analyzer", "scope", "tenant")

    def __init__(self, analyzer: TermReader, scope: Scope) -> None:
        self.analyzer, self.scope = analyzer, scope
        self.tenant = analyzer.tenants.tenant_column

    def __call__(self, e: exp.Expression) -> Term | None:
        if type(e) is exp.Column:  # most terms: skip `_term`'s dispatch
            return self.analyzer._column(e, self.scope)  # type: ignore[arg-type]
        return self.analyzer._term(e, self.scope)
