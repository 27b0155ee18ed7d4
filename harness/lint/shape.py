"""A statement's shape read from its tokens: flat or nested, and how often it names a
tenant table.

The analysis reads a flat statement (no subquery, CTE, set operation or LATERAL) from
its FROM list without building scopes or walking the tree; the count of tenant-table
names guards that shortcut (fewer references found than names written: walk after all).
The tokens are the ones the parser reads anyway, so one pass over them costs less than
any scan of the text.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

_NESTING = frozenset(
    {
        TokenType.WITH,
        TokenType.LATERAL,
        TokenType.UNION,
        TokenType.INTERSECT,
        TokenType.EXCEPT,
        TokenType.UNNEST,
    }
)
_OPENS_QUERY = frozenset({TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.TABLE})
"""After `(`: a subquery."""
_TAKES_RELATION = frozenset({TokenType.FROM, TokenType.JOIN})
"""Before `(`: a derived table or a parenthesised join."""


def shape(tokens: list[Token], tenant_names: frozenset[str]) -> tuple[bool, int]:
    """(flat, mentions): whether the tokens show no subquery, CTE, set operation,
    LATERAL or ROWS FROM, and how many name a tenant table (qualifiers `t.col` aside;
    strings that spell one count too, which can only cost a tree walk)."""
    select, l_paren, dot = TokenType.SELECT, TokenType.L_PAREN, TokenType.DOT
    rows, from_ = TokenType.ROWS, TokenType.FROM
    flat, selects, mentions = True, 0, 0
    prev = None
    named = False  # the previous token named a tenant table: counts unless `.` follows
    for token in tokens:
        kind = token.token_type
        if named and kind is not dot:
            mentions += 1
        if kind is select:
            selects += 1
        if flat and (
            kind in _NESTING
            or (prev is l_paren and kind in _OPENS_QUERY)
            or (kind is l_paren and prev in _TAKES_RELATION)
            or (prev is rows and kind is from_)
        ):
            flat = False
        named = token.text.lower() in tenant_names
        prev = kind
    if named:
        mentions += 1
    if selects > (1 if tokens and tokens[0].token_type is select else 0):
        flat = False  # INSERT ... SELECT, or a second SELECT somewhere
    return flat, mentions
