"""A statement's shape read from its tokens: flat or nested, and how often it names a
tenant table.

The analysis reads a flat statement (no subquery, CTE, set operation or LATERAL) from
its FROM list without building scopes or walking the tree; the count of tenant-table
names guards that shortcut (fewer references found than names written: walk after all).
The tokens are the ones the parser reads anyway, so reading them costs less than any
scan of the text.
"""

from __future__ import annotations

from itertools import pairwise

from sqlglot.tokens import Token, TokenType

_NESTING = frozenset({TokenType.WITH, TokenType.LATERAL, TokenType.UNNEST})
_SET_OPERATORS = frozenset({TokenType.UNION, TokenType.INTERSECT, TokenType.EXCEPT})
_OPENS_QUERY = frozenset({TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.TABLE})
"""After `(`: a subquery."""
_TAKES_RELATION = frozenset({TokenType.FROM, TokenType.JOIN})
"""Before `(`: a derived table or a parenthesised join."""
_NESTED_PAIRS = frozenset(
    {(TokenType.L_PAREN, k) for k in _OPENS_QUERY}
    | {(k, TokenType.L_PAREN) for k in _TAKES_RELATION}
    | {(TokenType.ROWS, TokenType.FROM)}
)
"""Two tokens in a row that open a query block: `(SELECT`, `FROM (`, `ROWS FROM`."""


NESTED, FLAT, FLAT_SET, FLAT_INSERT = 0, 1, 2, 3
"""Shapes: nested; flat (no subquery, CTE, set operation, LATERAL or ROWS FROM); a set
operation (UNION, INTERSECT, EXCEPT) of SELECTs that are each flat; INSERT ... SELECT
of a flat SELECT."""


def shape(tokens: list[Token], tenant_names: frozenset[str]) -> tuple[int, int]:
    """(shape, mentions): NESTED, FLAT, FLAT_SET or FLAT_INSERT, and how many tokens name
    a tenant table (qualifiers `t.col` aside; strings that spell one count too, which can
    only cost a tree walk). Set operations on the token kinds, not a loop over them."""
    if not tokens:
        return FLAT, 0
    kinds = [t.token_type for t in tokens]
    dot = TokenType.DOT
    mentions = 0
    for i in [i for i, t in enumerate(tokens) if t.text.lower() in tenant_names]:
        if i + 1 == len(kinds) or kinds[i + 1] is not dot:
            mentions += 1
    if not _NESTING.isdisjoint(kinds) or not _NESTED_PAIRS.isdisjoint(pairwise(kinds)):
        return NESTED, mentions
    select = TokenType.SELECT
    selects = kinds.count(select)
    operators = sum(map(kinds.count, _SET_OPERATORS))
    first = 1 if kinds[0] is select else 0
    if selects <= first and not operators:
        return FLAT, mentions
    if first and operators and selects == operators + 1:
        return FLAT_SET, mentions  # SELECT .. UNION SELECT ..: one SELECT per branch
    if selects == 1 and not operators and kinds[0] is TokenType.INSERT:
        return FLAT_INSERT, mentions
    return NESTED, mentions  # a second SELECT somewhere
