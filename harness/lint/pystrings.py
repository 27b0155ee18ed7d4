"""Where each character of a Python string literal's value is written in the file.

A finding points into the literal at the table's own line and column, so every value
character is mapped back through escapes, implicit concatenation and, for f-strings,
around the `{...}` interpolations (each of which is one `FIELD` item here).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

Position = tuple[int, int]
"""(line, 1-based column) in the file."""
FIELD = "field"
"""Item kind of an f-string interpolation; value characters are `char` items."""
_SIMPLE_ESCAPES = frozenset("\\'\"abfnrtv")
_PREFIX = re.compile(r"^[A-Za-z]*")
_QUOTES = "'\""


def char_col(line: str, byte_col: int) -> int:
    """Character column of an `ast` byte offset (which counts UTF-8 bytes)."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def _escape_width(body: str, i: int) -> tuple[int, int]:
    """(source characters, value characters) of the escape starting at body[i] == '\\'."""
    nxt = body[i + 1] if i + 1 < len(body) else ""
    if not nxt:
        return 1, 1
    if nxt == "\n":
        return 2, 0
    if nxt in _SIMPLE_ESCAPES:
        return 2, 1
    if nxt in "01234567":
        j = i + 1
        while j < len(body) and j < i + 4 and body[j] in "01234567":
            j += 1
        return j - i, 1
    widths = {"x": 4, "u": 6, "U": 10}
    if nxt in widths:
        return widths[nxt], 1
    if nxt == "N" and i + 2 < len(body) and body[i + 2] == "{":
        return body.index("}", i) - i + 1, 1
    return 1, 1  # an unknown escape keeps its backslash


def _field_end(body: str, i: int) -> int:
    """Index just past the `}` closing the interpolation that opens at body[i] == '{'."""
    depth, j = 0, i + 1
    while j < len(body):
        ch = body[j]
        if ch in _QUOTES:  # a string inside the expression
            close = body.find(ch, j + 1)
            j = len(body) if close < 0 else close + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return j + 1
            depth -= 1
        j += 1
    return len(body)


def token_items(token: str, row: int, col: int) -> list[tuple[str, Position]]:
    """(kind, position) of each value character (`char`) and, in an f-string, each
    interpolation (`FIELD`) of one string token written at (row, 0-based col)."""
    prefix = _PREFIX.match(token).group()  # type: ignore[union-attr]
    quote = token[len(prefix) : len(prefix) + 3]
    quote = quote if quote in ('"""', "'''") else quote[0]
    lowered = prefix.lower()
    raw, formatted = "r" in lowered, "f" in lowered
    body = token[len(prefix) + len(quote) : -len(quote)]
    col += len(prefix) + len(quote)
    out: list[tuple[str, Position]] = []
    i = 0
    while i < len(body):
        ch = body[i]
        kind, width, produced = "char", 1, 1
        if ch == "\\" and not raw:
            width, produced = _escape_width(body, i)
        elif formatted and ch in "{}":
            if body[i + 1 : i + 2] == ch:  # `{{` and `}}` are one brace
                width = 2
            elif ch == "{":
                kind, width = FIELD, _field_end(body, i) - i
        if produced:
            out.append((kind, (row, col + 1)))
        for c in body[i : i + width]:
            if c == "\n":
                row, col = row + 1, 0
            else:
                col += 1
        i += width
    return out


def literal_items(lines: list[str], node: ast.expr) -> list[tuple[str, Position]] | None:
    """Items of every string token of a literal (a str constant or an f-string, with
    implicitly concatenated parts), or None when the source cannot be tokenized."""
    end_lineno, end_col = node.end_lineno or node.lineno, node.end_col_offset or 0
    first = lines[node.lineno - 1]
    start = char_col(first, node.col_offset)
    if end_lineno == node.lineno:
        segment = first[start : char_col(first, end_col)]
    else:
        middle = lines[node.lineno : end_lineno - 1]
        last = lines[end_lineno - 1][: char_col(lines[end_lineno - 1], end_col)]
        segment = "".join([first[start:], *middle, last])
    out: list[tuple[str, Position]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("(" + segment + ")").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        row = node.lineno + tok.start[0] - 1
        col = tok.start[1] - 1 + start if tok.start[0] == 1 else tok.start[1]
        out.extend(token_items(tok.string, row, col))
    return out


def start_of(lines: list[str], node: ast.AST) -> Position:
    """Where a node starts in the file."""
    line = getattr(node, "lineno", 1)
    return line, char_col(lines[line - 1], getattr(node, "col_offset", 0)) + 1
