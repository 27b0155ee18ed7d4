"""Function, procedure and DO bodies as sources of their own.

`CREATE FUNCTION ... AS $$ body $$ LANGUAGE sql|plpgsql` and `DO $$ body $$` are read
from the statement text (sqlglot need not understand the CREATE): the body becomes a
`Source` that maps back to the file, with the routine's parameter names as variables.
Bodies in other languages are skipped. `BEGIN ATOMIC` bodies are not supported: their
unquoted semicolons split the statement.
"""

from __future__ import annotations

import re

from .plpgsql import declared_names
from .sources import Source

_CREATE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\s+([^\s(]+)\s*\(", re.IGNORECASE
)
_DO = re.compile(r"DO\b", re.IGNORECASE)
_BODY = re.compile(r"\bAS\s+(?=[$'])|\bDO\s+(?:LANGUAGE\s+\w+\s+)?(?=[$'])", re.IGNORECASE)
_DOLLAR = re.compile(r"\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$")
_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?([A-Za-z_]\w*)'?", re.IGNORECASE)
_MODES = frozenset({"in", "out", "inout", "variadic"})
LANGUAGES = frozenset({"sql", "plpgsql"})


def _args(text: str, open_at: int) -> tuple[str, int]:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i], i + 1
    return text[open_at + 1 :], len(text)


def param_names(args: str) -> frozenset[str]:
    """Names of declared parameters: `a uuid, OUT b text` -> {a, b}."""
    names, depth, current = [], 0, []
    for ch in args + ",":
        if ch == "," and depth == 0:
            names.append("".join(current))
            current = []
            continue
        depth += (ch == "(") - (ch == ")")
        current.append(ch)
    out = set()
    for arg in names:
        words = re.split(r"\s+", re.split(r"(?i)\s(?:DEFAULT\b|=)", arg)[0].strip())
        if words and words[0].lower() in _MODES:
            words = words[1:]
        if len(words) >= 2:
            out.add(words[0].strip('"').lower())
    return frozenset(out)


def _body(text: str, at: int) -> tuple[int, str, list[int]] | None:
    """(start, body, offsets) of the quoted body starting at text[at]: $tag$ or '...'."""
    m = _DOLLAR.match(text, at)
    if m:
        end = text.find(m.group(), m.end())
        if end < 0:
            return None
        return m.end(), text[m.end() : end], []
    if text.startswith("'", at):
        chars, offsets, i = [], [], at + 1
        while i < len(text):
            if text[i] == "'":
                if text.startswith("''", i):
                    chars.append("'")
                    offsets.append(i)
                    i += 2
                    continue
                return at + 1, "".join(chars), offsets
            chars.append(text[i])
            offsets.append(i)
            i += 1
    return None


def routine_sources(source: Source, code: int, end: int) -> list[Source] | None:
    """The body of the routine statement at source.text[code:end] as a Source, or None
    when the statement is not CREATE FUNCTION/PROCEDURE or DO."""
    text = source.text
    create = _CREATE.match(text, code, end)
    if create:
        params, after = _args(text, create.end() - 1)
        context = f"{create.group(1).lower()} {create.group(2)}"
    elif _DO.match(text, code, end):
        params, after, context = "", code, "DO block"
    else:
        return None
    head = _BODY.search(text, after, end)
    found = _body(text, head.end()) if head else None
    if head is None or found is None:
        return []
    start, body, offsets = found
    stop = start + len(body) if not offsets else offsets[-1] + 1
    rest = text[code : head.start()] + " " + text[min(stop + 1, end) : end]
    lang = _LANGUAGE.search(rest)
    language = (lang.group(1) if lang else ("plpgsql" if not create else "sql")).lower()
    if language not in LANGUAGES:
        return []
    variables = param_names(params)
    if language == "plpgsql":
        variables |= declared_names(body)
    line, column = source.locate(start)
    positions = tuple(source.locate(o) for o in offsets) if offsets else None
    if positions is None and source.positions is not None:
        positions = tuple(source.locate(start + i) for i in range(len(body) + 1))
    return [
        Source(
            source.path,
            body,
            kind=source.kind,
            line=line,
            column=column,
            positions=positions,
            context=context,
            language=language,
            variables=variables,
        )
    ]
