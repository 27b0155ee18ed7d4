"""The SQL inside a PL/pgSQL body, found without a PL/pgSQL parser.

PL/pgSQL hands the server plain SQL in a few places: statements (`SELECT .. INTO`,
`INSERT`, `UPDATE`, `DELETE`, `PERFORM`, `RETURN QUERY`, `FOR r IN <query> LOOP`, cursor
queries) and parenthesised subqueries inside expressions (`IF EXISTS (SELECT ..)`). Each
such island is cut out at its own offset, with `PERFORM` read as `SELECT` and the
PL/pgSQL `INTO target` blanked to spaces, so positions stay exact. Dynamic SQL is read
when it is one constant string: `EXECUTE 'text'` (a doubled quote `''` read as a space
and a quote, to keep positions) or a dollar-quoted string, followed by `;`, `INTO` or
`USING`. A string built at run time (`||`, `format()`) is not followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .split import mask

_START = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WITH|PERFORM|MERGE)\b", re.IGNORECASE)
_PREV = re.compile(r"(\w+|[^\w\s])\s*$")
_STATEMENT_AFTER = frozenset({"", ";", "BEGIN", "THEN", "ELSE", "LOOP", "QUERY", "IN", "FOR", ">"})
_INTO = re.compile(r"(?<![\w$])INTO\s+(?:STRICT\s+)?[\w.$\"]+(?:\s*,\s*[\w.$\"]+)*", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"(\w+)\s*$")
_DECLARE = re.compile(r"\bDECLARE\b(.*?)\bBEGIN\b", re.IGNORECASE | re.DOTALL)
_DECLARED = re.compile(r"^\s*(?:<<\w+>>\s*)?([A-Za-z_]\w*)\s", re.MULTILINE)
_LOOP_VAR = re.compile(r"\bFOR\s+([A-Za-z_]\w*)\s+IN\b", re.IGNORECASE)
_LOOP = re.compile(r"\bLOOP\b", re.IGNORECASE)
_EXECUTE = re.compile(r"(?<![\w$])EXECUTE(?=\s)", re.IGNORECASE)
_QUOTED = re.compile(r"\s+'(?P<text>(?:[^']|'')*)'")
_DOLLAR = re.compile(r"\s+(?P<tag>\$(?:[A-Za-z_]\w*)?\$)(?P<text>.*?)(?P=tag)", re.DOTALL)
_AFTER_EXECUTE = re.compile(r"\s*(?:;|$|INTO\b|USING\b)", re.IGNORECASE)


def _paren_end(masked: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(masked)):
        ch = masked[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(masked)


def _statement_end(masked: str, start: int, until_loop: bool) -> int:
    depth = 0
    loop = _LOOP.search(masked, start) if until_loop else None
    for i in range(start, len(masked)):
        if loop is not None and i == loop.start() and depth == 0:
            return i
        ch = masked[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == ";" and depth <= 0:
            return i
    return len(masked)


def _clean(text: str, masked: str) -> str:
    """PERFORM as SELECT, and PL/pgSQL INTO targets blanked (not INSERT/MERGE INTO)."""
    chars = list(text)
    m = re.match(r"\s*PERFORM\b", masked, re.IGNORECASE)
    if m:
        at = m.end() - len("PERFORM")
        chars[at : at + 7] = "SELECT "
    for m in _INTO.finditer(masked):
        before = _WORD_BEFORE.search(masked, 0, m.start())
        if before and before.group(1).upper() in ("INSERT", "MERGE"):
            continue
        for i in range(m.start(), m.end()):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def islands(body: str) -> Iterator[tuple[int, str]]:
    """(offset in body, SQL text) of every SQL statement or subquery in a PL/pgSQL body,
    and of every constant string it EXECUTEs, in order."""
    masked = mask(body)
    found = list(_static(body, masked)) + list(_executed(body, masked))
    yield from sorted(found, key=lambda item: item[0])


def _executed(body: str, masked: str) -> Iterator[tuple[int, str]]:
    """The constant strings of `EXECUTE 'text' [INTO ..] [USING ..];`."""
    for m in _EXECUTE.finditer(masked):
        literal = _QUOTED.match(body, m.end()) or _DOLLAR.match(body, m.end())
        if literal is None or not _AFTER_EXECUTE.match(masked, literal.end()):
            continue
        start = literal.start("text")
        text = literal.group("text")
        if literal.re is _QUOTED:
            text = text.replace("''", " '")
        yield start, text


def _static(body: str, masked: str) -> Iterator[tuple[int, str]]:
    taken_until = 0
    for m in _START.finditer(masked):
        start = m.start()
        if start < taken_until:
            continue
        prev = _PREV.search(masked, max(0, start - 64), start)
        word = prev.group(1).upper() if prev else ""
        if word == "(":
            end = _paren_end(masked, prev.start()) if prev else len(masked)  # type: ignore[union-attr]
        elif word in _STATEMENT_AFTER:
            end = _statement_end(masked, start, until_loop=word == "IN")
        else:
            continue
        taken_until = end
        yield start, _clean(body[start:end], masked[start:end])


def declared_names(body: str) -> frozenset[str]:
    """Variables a body declares (DECLARE sections, FOR loop variables), lower-cased."""
    masked = mask(body)
    names = set()
    for section in _DECLARE.finditer(masked):
        for decl in section.group(1).split(";"):
            m = _DECLARED.match(decl)
            if m:
                names.add(m.group(1).lower())
    names.update(v.lower() for v in _LOOP_VAR.findall(masked))
    return frozenset(names)
