"""Split a SQL script into statements the way the server's lexer sees them.

psql is not available everywhere (the embedded wheel has none), so the loader splits the
script itself: semicolons inside quotes, dollar quotes and comments do not end a statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    line: int
    """1-based line of the statement's first character in the script."""


class SplitError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def split_statements(script: str) -> Iterator[Statement]:
    """Yield each non-empty statement with the line it starts on."""
    i, n = 0, len(script)
    start = 0
    line = 1
    start_line: int | None = None

    def opened(pos: int) -> None:
        nonlocal start_line, start
        if start_line is None:
            start_line, start = line, pos

    while i < n:
        ch = script[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch in " \t\r\f":
            i += 1
            continue
        if ch == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "/" and script.startswith("/*", i):
            depth, j, comment_line = 1, i + 2, line
            while j < n and depth:
                if script.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif script.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    if script[j] == "\n":
                        line += 1
                    j += 1
            if depth:
                raise SplitError("unterminated /* comment", comment_line)
            i = j
            continue
        if ch == "\\" and start_line is None:
            end = script.find("\n", i)
            command = script[i : n if end < 0 else end].strip()
            raise SplitError(f"psql meta-command {command.split()[0]} is not SQL; remove it", line)
        opened(i)
        if ch == ";":
            text = script[start:i].strip()
            if text:
                yield Statement(text, start_line or line)
            start_line = None
            i += 1
            continue
        if ch in "'\"":
            escape = (
                ch == "'" and i > 0 and script[i - 1] in "eE" and not _ident_char(script, i - 2)
            )
            j, open_line = i + 1, line
            while True:
                if j >= n:
                    raise SplitError(f"unterminated {ch} quote", open_line)
                c = script[j]
                if c == "\n":
                    line += 1
                if escape and c == "\\":
                    j += 2
                    continue
                if c == ch:
                    if j + 1 < n and script[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if ch == "$" and not _ident_char(script, i - 1):
            m = _DOLLAR_TAG.match(script, i)
            if m:
                tag = m.group(0)
                end = script.find(tag, m.end())
                if end < 0:
                    raise SplitError(f"unterminated dollar quote {tag}", line)
                line += script.count("\n", i, end + len(tag))
                i = end + len(tag)
                continue
        i += 1
    if start_line is not None:
        text = script[start:].strip()
        if text:
            yield Statement(text, start_line)


def _ident_char(script: str, pos: int) -> bool:
    return pos >= 0 and (script[pos].isalnum() or script[pos] in "_$")
