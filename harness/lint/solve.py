"""Equalities to restrictions: which columns a set of conjuncts pins to one value.

Terms are columns `("c", source id, column)` and values `("k", key)` (a parameter, a
literal, the context function, an outer value). Conjuncts are merged into equivalence
classes; a column is restricted when its class holds a value. An OR restricts a column
only if every branch restricts it to the same value, so the branches are expanded
(bounded: past `MAX_BRANCHES` combinations an OR counts as no restriction at all, which
can only add findings, never hide one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product

from sqlglot import exp

Term = tuple[str, object, str]
"""("c", id(source node), column) or ("k", value key, "")."""
Pair = tuple[Term, Term]
TermOf = Callable[[exp.Expression], Term | None]
MAX_BRANCHES = 64
_SPECIAL = (exp.Tuple, exp.Any, exp.All)
_EQUALITIES = (exp.EQ, exp.NullSafeEQ)
_QUANTIFIED = (exp.Any, exp.All)
_WRAPPERS = (exp.Paren, exp.Cast)


@dataclass(slots=True)
class Conjuncts:
    pairs: list[Pair] = field(default_factory=list)
    ors: list[list[exp.Expression]] = field(default_factory=list)
    multi: set[Term] = field(default_factory=set)
    """Columns compared with a list of values (`IN (a, b)`, `= ANY(..)`)."""


def conjuncts(e: exp.Expression | None, term: TermOf, out: Conjuncts | None = None) -> Conjuncts:
    """Split a predicate into equalities between terms and OR groups.

    Only equalities with a tenant column on one side count (`term.tenant` names it), so
    that the columns of the others are never resolved: a chain through another column
    (`a.tenant_id = b.x AND b.x = $1`) is missed, which can only add a finding."""
    out = out if out is not None else Conjuncts()
    kind = type(e)
    if kind is exp.EQ:  # the common case first
        left, right = e.this, e.expression  # type: ignore[union-attr]
        plain = not isinstance(left, _SPECIAL) and not isinstance(right, _SPECIAL)
        if plain and (type(left) is exp.Column or type(right) is exp.Column):
            _pair(left, right, term, out)
            return out
    elif kind is exp.And:
        for part in e.flatten():  # type: ignore[union-attr]
            conjuncts(part, term, out)
        return out
    while isinstance(e, exp.Paren):
        e = e.this
    if e is None:
        return out
    if isinstance(e, exp.And):
        for part in e.flatten():
            conjuncts(part, term, out)
    elif isinstance(e, exp.Or):
        out.ors.append(list(e.flatten()))
    elif isinstance(e, _EQUALITIES):
        left, right = e.this, e.expression
        if isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple):
            for a, b in zip(left.expressions, right.expressions, strict=False):
                _pair(a, b, term, out)
        elif isinstance(right, _QUANTIFIED):
            _multi(left, term, out)
        elif isinstance(left, _QUANTIFIED):
            _multi(right, term, out)
        else:
            _pair(left, right, term, out)
    elif isinstance(e, exp.In):
        values = e.expressions
        if len(values) == 1 and not e.args.get("query"):
            _pair(e.this, values[0], term, out)
        else:
            _multi(e.this, term, out)
    return out


def _is_tenant(e: exp.Expression, column: str) -> bool:
    while isinstance(e, _WRAPPERS):
        e = e.this
    if not isinstance(e, exp.Column):
        return False
    this = e.this
    return isinstance(this, exp.Identifier) and (
        this.this == column if this.quoted else this.this.lower() == column
    )


def _pair(a: exp.Expression, b: exp.Expression, term: TermOf, out: Conjuncts) -> None:
    column = term.tenant  # type: ignore[attr-defined]
    if not (_is_tenant(a, column) or _is_tenant(b, column)):
        return
    ta, tb = term(a), term(b)
    if ta is not None and tb is not None:
        out.pairs.append((ta, tb))


def _multi(a: exp.Expression, term: TermOf, out: Conjuncts) -> None:
    if not _is_tenant(a, term.tenant):  # type: ignore[attr-defined]
        return
    t = term(a)
    if t is not None and t[0] == "c":
        out.multi.add(t)


def _branches(c: Conjuncts, term: TermOf, budget: list[int]) -> Iterator[list[Pair]]:
    """Every combination of one branch per OR group, as plain equalities."""
    if not c.ors:
        yield c.pairs
        return
    groups: list[list[list[Pair]]] = []
    for group in c.ors:
        options: list[list[Pair]] = []
        for branch in group:
            for option in _branches(conjuncts(branch, term), term, budget):
                if option not in options:  # branches without tenant equalities are alike
                    options.append(option)
        if len(options) > 1 or options[0]:
            groups.append(options)
    if not groups:
        yield c.pairs
        return
    total = 1
    for options in groups:
        total *= len(options)
    if total > budget[0]:
        budget[0] = 0
        yield c.pairs  # too many combinations: the ORs restrict nothing
        return
    for choice in product(*groups):
        yield c.pairs + [p for pairs in choice for p in pairs]


def _values(pairs: list[Pair]) -> dict[Term, frozenset[object]]:
    """Columns whose class holds a value, with the value keys of that class."""
    if not pairs:
        return {}
    direct: dict[Term, set[object]] = {}
    for a, b in pairs:  # the common case: each equality a column and a value
        if a[0] == "c" and b[0] == "k":
            direct.setdefault(a, set()).add(b[1])
        elif a[0] == "k" and b[0] == "c":
            direct.setdefault(b, set()).add(a[1])
        else:
            break
    else:
        return {t: frozenset(v) for t, v in direct.items()}
    parent: dict[Term, Term] = {}

    def find(t: Term) -> Term:
        root = t
        while parent.get(root, root) != root:
            root = parent[root]
        while t != root:
            parent[t], t = root, parent[t]
        return root

    for a, b in pairs:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    keys: dict[Term, set[object]] = {}
    for t in parent:
        if t[0] == "k":
            keys.setdefault(find(t), set()).add(t[1])
    return {t: frozenset(keys[find(t)]) for t in parent if t[0] == "c" and find(t) in keys}


@dataclass(frozen=True, slots=True)
class Solution:
    values: dict[Term, frozenset[object]]
    """Columns restricted to one value on every branch, with that value."""
    partial: frozenset[Term]
    """Columns restricted on some OR branches but not all: the OR lets rows through."""


def solve(c: Conjuncts, term: TermOf) -> Solution:
    if not c.ors:
        return Solution(_values(c.pairs), frozenset())
    budget = [MAX_BRANCHES]
    results = [_values(pairs) for pairs in _branches(c, term, budget)]
    first, rest = results[0], results[1:]
    values = {t: v for t, v in first.items() if all(r.get(t) == v for r in rest)}
    seen = {t for r in results for t in r}
    return Solution(values, frozenset(seen - values.keys()))
