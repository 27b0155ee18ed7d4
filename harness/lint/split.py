"""Split SQL text into statements, keeping each statement's offset in the text.

Offsets, not just lines, because findings point at the column of a table reference in
the original file. Quotes, dollar quotes and comments hide semicolons. An unterminated
quote or comment ends the split: the rest is one statement, which then fails to parse
and is reported, so nothing is silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_SCAN = re.compile(
    r"""
    (?=[-/'"$;])  # fail fast on every other character
    (?:
    (?P<line>--[^\n]*)
    | (?P<block>/\*)
    | (?P<str>'[^']*(?:''[^']*)*')
    | (?P<ident>"[^"]*(?:""[^"]*)*")
    | (?P<dollar>(?<![\w$])\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$)
    | (?P<semi>;)
    | (?P<open>['"])
    )
    """,
    re.VERBOSE,
)
_ESTR = re.compile(r"[eE]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'")
"""E'...' strings, where a backslash escapes the quote; tried where a quote follows E."""
_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    """Offset of the chunk (leading comments included) in the text."""
    end: int
    """Offset of the terminating semicolon, or the end of the text."""
    code: int
    """Offset of the statement's first character after comments and blanks."""

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def _block_end(text: str, pos: int) -> int:
    """End of the (nestable) block comment opening at pos, or -1 if unterminated."""
    depth, i, n = 1, pos + 2, len(text)
    while depth:
        nxt_open, nxt_close = text.find("/*", i), text.find("*/", i)
        if nxt_close < 0:
            return -1
        if 0 <= nxt_open < nxt_close:
            depth, i = depth + 1, nxt_open + 2
        else:
            depth, i = depth - 1, nxt_close + 2
        if i > n:
            return -1
    return i


def split_chunks(text: str) -> Iterator[Chunk]:
    """Yield every statement that has code in it (comment-only stretches are skipped)."""
    pos = start = 0
    n = len(text)
    while True:
        m = _SCAN.search(text, pos)
        if m is None:
            break
        kind = m.lastgroup
        if kind == "semi":
            chunk = _chunk(text, start, m.start())
            if chunk is not None:
                yield chunk
            start = pos = m.end()
            continue
        if kind == "block":
            end = _block_end(text, m.start())
            if end < 0:
                break
            pos = end
        elif kind == "dollar":
            close = text.find(m.group(), m.end())
            if close < 0:
                break
            pos = close + len(m.group())
        elif kind == "open":  # an unterminated quote: the rest is one statement
            break
        else:
            pos = _string_end(text, m) if kind == "str" else m.end()
            if pos < 0:
                break
    chunk = _chunk(text, start, n)
    if chunk is not None:
        yield chunk


def _string_end(text: str, m: re.Match[str]) -> int:
    """End of the string literal `m` matched, read as E'...' when an E precedes it."""
    start = m.start()
    if start and text[start - 1] in "eE" and not (start > 1 and _word(text[start - 2])):
        e = _ESTR.match(text, start - 1)
        return e.end() if e else -1
    return m.end()


def _word(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def _chunk(text: str, start: int, end: int) -> Chunk | None:
    code = _LEADING.match(text, start, end).end()  # type: ignore[union-attr]
    return Chunk(start, end, code) if code < end else None


def mask(text: str) -> str:
    """The text with comments and string contents blanked, same length and lines."""
    out = list(text)
    pos = 0
    while True:
        m = _SCAN.search(text, pos)
        if m is None:
            break
        kind, start, end = m.lastgroup, m.start(), m.end()
        if kind == "block":
            end = _block_end(text, start)
            end = len(text) if end < 0 else end
        elif kind == "dollar":
            close = text.find(m.group(), end)
            end = len(text) if close < 0 else close + len(m.group())
        elif kind == "open":
            end = len(text)
        elif kind == "str":
            end = _string_end(text, m)
            end = len(text) if end < 0 else end
        if kind in ("line", "block", "str", "dollar", "open"):
            for i in range(start, end):
                if out[i] != "\n":
                    out[i] = " "
        pos = end
    return "".join(out)
