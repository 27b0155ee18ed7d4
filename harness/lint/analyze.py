"""Which tenant-table references of one statement are not restricted to a single tenant.

Built on sqlglot's scope module: every query block (CTE, subquery, UNION branch,
LATERAL) is a scope. In each, the predicate that applies to a reference is the WHERE
clause plus the ON clauses that filter it (an outer join's ON restricts only its
nullable side); its equalities are merged into classes (`solve.py`). A reference is
restricted when its tenant column is in a class with one value: a parameter, a literal,
a function of those (the context function), a PL/pgSQL variable, or a column already
restricted in an enclosing scope or exported by a restricted CTE or subquery. A scope is
solved after the CTEs and derived tables it reads and before its subqueries, which read
what it restricts; LATERAL, which does both, takes one more pass. What each column and
expression stands for is read by `TermReader` (`terms.py`); the references left
unrestricted are reported by `RefMaker` (`refs.py`).
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope

from .dml import as_query, insert_problems, top_dml
from .names import table_name
from .quick import restricted_alone
from .refs import Analysis, Ref, RefMaker
from .scopes import (
    KINDS,
    FlatScope,
    Names,
    from_items,
    insert_tables,
    node_kind,
    set_branches,
    set_tables,
    shallow_tables,
    solving_order,
)
from .shape import FLAT, FLAT_INSERT, FLAT_SET, NESTED
from .solve import Conjuncts, Term, conjuncts, solve
from .tenants import TenantTable, TenantTables
from .terms import TermOf, TermReader

_MAX_PASSES = 4
# isinstance with tuples: a `A | B` union is built anew at each call, and checked slower
_COPY_TRUNCATE = (exp.Copy, exp.TruncateTable)


def analyze(
    tree: exp.Expression,
    tenants: TenantTables,
    *,
    variables: frozenset[str] = frozenset(),
    variables_first: bool = False,
    shape: tuple[int, int] | None = None,
    markers: dict[str, str] | None = None,
) -> Analysis:
    """Analyse one parsed statement. `variables` are names of PL/pgSQL variables or
    function parameters; with `variables_first` (PL/pgSQL) they win over columns.

    `shape` comes from a caller that read the statement's tokens (`shape.py`): (shape,
    mentions), whether it shows no subquery, CTE, set operation or LATERAL (or only set
    operations of such SELECTs), and how often it names a tenant table. The tree is then
    not walked: a flat one is read from its FROM lists, a nested one from its scopes; it
    is walked after all only if that finds fewer tenant-table references than the text
    names."""
    markers = markers or {}
    if shape is not None and not isinstance(tree, _COPY_TRUNCATE):
        form, mentions = shape
        analyzer = _Analyzer(tenants, {}, variables, variables_first, markers)
        if form == NESTED:
            return analyzer.run(tree, None, top_dml(tree), nested=True, mentions=mentions)
        if form == FLAT:
            shallow = shallow_tables(tree)
        elif form == FLAT_SET:
            shallow = set_tables(tree)
        else:
            shallow = insert_tables(tree)
        if shallow is not None:
            tables, dml = shallow
            analyzer.found = _tenant_refs(tables, tenants)
            if not mentions and not analyzer.found:
                return Analysis()
            if len(analyzer.found) >= mentions:
                if form == FLAT and not variables and not markers:
                    if isinstance(tree, exp.Insert):  # VALUES: no table read
                        return Analysis((), tuple(insert_problems(dml, tenants)))
                    if len(tables) == 1 and len(analyzer.found) == 1:
                        column = analyzer.found[id(tables[0])].tenant_column
                        if restricted_alone(tree, tables[0], column):
                            return Analysis()
                flat = tree.expression if form == FLAT_INSERT else None
                return analyzer.run(tree, tables, dml, nested=False, flat=flat)
    tables = []
    dml: list[exp.Expression] = []
    nested = False
    kinds = KINDS
    for node in tree.walk():
        kind = kinds.get(type(node))
        if kind is None:
            kind = kinds[type(node)] = node_kind(node)
        if kind == 1:
            tables.append(node)
        elif kind == 2:
            dml.append(node)
        elif kind == 3 and node is not tree:
            nested = True
    found = _tenant_refs(tables, tenants)
    if not found:
        return Analysis()
    analyzer = _Analyzer(tenants, found, variables, variables_first, markers)
    return analyzer.run(tree, tables, dml, nested)


def _tenant_refs(tables: list[exp.Table], tenants: TenantTables) -> dict[int, TenantTable]:
    found = {}
    for table in tables:
        tenant = tenants.lookup(*table_name(table))
        if tenant is not None:
            found[id(table)] = tenant
    return found


def _value(v: frozenset[object]) -> str:
    if len(v) == 1:
        return str(next(iter(v)))
    return "|".join(sorted(map(str, v)))


class _Analyzer(RefMaker, TermReader):
    def __init__(
        self,
        tenants: TenantTables,
        found: dict[int, TenantTable],
        variables: frozenset[str],
        first: bool,
        markers: dict[str, str],
    ) -> None:
        self.tenants = tenants
        self.markers = markers
        """Identifiers standing for values Python interpolates -> how Python writes them."""
        self.found = found
        """id(table node) -> the tenant table it names, for every reference in the tree."""
        self.variables = variables
        self.variables_first = first
        self.values: dict[Term, str] = {}
        self.partial: set[Term] = set()
        self.multi: set[Term] = set()
        self.display: dict[object, exp.Expression] = {}
        self.pending = False
        """An outer column was read before its scope was solved: solve once more."""
        self.solved: set[int] = set()
        self.names = Names(tenants)
        self._exporting: set[tuple[int, str]] = set()

    # -- the statement ---------------------------------------------------------------

    def run(
        self,
        tree: exp.Expression,
        tables: list[exp.Table] | None,
        dml: list[exp.Expression],
        nested: bool,
        mentions: int = 0,
        flat: exp.Select | None = None,
    ) -> Analysis:
        """`tables` None: take them from the scopes, and walk the tree only if they are
        fewer tenant-table references than the text's `mentions`. `flat`: the one
        query block to solve (the SELECT of INSERT ... SELECT) when not `nested`."""
        missing = insert_problems(dml, self.tenants)
        refs: list[Ref] = []
        if isinstance(tree, exp.TruncateTable):  # every tenant's rows, and RLS ignores it
            for table in tree.expressions:
                found = self.found.get(id(table))
                if found is not None:
                    refs.append(self._ref(table, found, table.name, "truncated", "none", None, "-"))
            return Analysis(tuple(refs), ())
        if isinstance(tree, exp.Copy):
            refs.extend(self._copy(tree))
            inner = tree.this
            tree = inner.this if isinstance(inner, exp.Subquery) else inner
        query, actions, detached = as_query(tree, dml)
        scopes: list[Any] | None = None
        if flat is not None and not nested:
            scopes = [FlatScope(flat)]
        elif isinstance(query, exp.Select) and not nested:
            scopes = [FlatScope(query)]
        elif isinstance(query, exp.SetOperation) and not nested and set_branches(query):
            scopes = [FlatScope(s) for s in set_branches(query) or ()]
        elif isinstance(query, exp.Query):
            root = build_scope(query)
            if root is not None:
                scopes = [s for s in solving_order(root) if isinstance(s.expression, exp.Select)]
        if scopes is not None:
            if tables is None:
                tables = self._scope_tables(scopes, query, detached, mentions)
            if not self.found:
                return Analysis((), tuple(missing))
            for _ in range(_MAX_PASSES):
                self.pending = False
                self.solved.clear()
                for scope in scopes:
                    self._solve(scope)
                    self.solved.add(id(scope))
                if not self.pending:
                    break
            visited: set[int] = {id(t) for t in detached}
            for scope in scopes:
                refs.extend(self._unrestricted(scope, actions, visited))
            refs.extend(self._unvisited(tables, visited))
        return Analysis(tuple(refs), tuple(missing))

    def _scope_tables(
        self, scopes: list[Scope], query: exp.Expression, targets: list[exp.Table], mentions: int
    ) -> list[exp.Table]:
        """The tables the scopes read, or every table of the tree when the text names
        tenant tables more often than the scopes and INSERT targets account for."""
        tables = [
            source
            for scope in scopes
            for _, source in self.names.sources(scope).values()
            if isinstance(source, exp.Table)
        ]
        self.found = _tenant_refs(tables, self.tenants)
        if len(self.found) < mentions and (
            len(self.found) + len(_tenant_refs(targets, self.tenants)) < mentions
        ):
            tables = list(query.find_all(exp.Table))
            self.found = _tenant_refs(tables, self.tenants)
        return tables

    def _copy(self, node: exp.Copy) -> list[Ref]:
        table = node.this
        if node.args.get("kind") or not isinstance(table, exp.Table):
            return []
        found = self.found.get(id(table))
        if found is None:
            return []
        return [self._ref(table, found, table.name, "copied out", "none", None, "WHERE")]

    # -- one scope -------------------------------------------------------------------

    def _solve(self, scope: Scope) -> None:
        select = scope.expression
        term = TermOf(self, scope)
        where = select.args.get("where")
        everywhere: list[exp.Expression] = []
        own: dict[int, list[exp.Expression]] = {}
        seen: list[int] = []
        for node, join in from_items(select):
            nid = id(node)
            if join is None:
                seen, own[nid] = [nid], []
                continue
            args = join.args
            if args.get("using"):
                conds = self.names.join_conditions(join, node, seen, scope)
            else:
                on = args.get("on")
                conds = [on] if on is not None else []
            side = args.get("side")
            side = side.upper() if isinstance(side, str) else (join.side or "").upper()
            if side == "LEFT":
                own[nid] = conds
            elif side in ("RIGHT", "FULL"):
                for s in seen:
                    own[s] = everywhere + own[s] + (conds if side == "RIGHT" else [])
                everywhere, own[nid] = [], []
            else:
                everywhere = everywhere + conds
                own[nid] = []
            seen.append(nid)
        if where is not None:
            everywhere = [*everywhere, where.this]
        base = Conjuncts()
        for e in everywhere:
            conjuncts(e, term, base)
        groups: dict[tuple[int, ...], list[int]] = {}
        if any(own.values()):
            for nid, extra in own.items():
                groups.setdefault(tuple(id(e) for e in extra), []).append(nid)
        elif own:  # no outer join: one predicate for every source
            groups[()] = list(own)
        for nodes in groups.values():
            extra = own[nodes[0]]
            c = base
            if extra:
                c = Conjuncts(list(base.pairs), list(base.ors), set(base.multi))
                for e in extra:
                    conjuncts(e, term, c)
            solution = solve(c, term)
            mine = set(nodes)
            for t, v in solution.values.items():
                if t[1] in mine:
                    self.values[t] = _value(v)
            self.partial.update(t for t in solution.partial if t[1] in mine)
            self.multi.update(t for t in c.multi if t[1] in mine)
