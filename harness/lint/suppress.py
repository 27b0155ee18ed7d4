"""Suppressions: `-- rls-audit: ignore[RLS301] reason`, after squawk-ignore and noqa.

A suppression covers the statement it is written in (above it, inside it, or at the end
of its last line after the semicolon). The reason is required. A suppressed finding is
kept and marked, never dropped; a suppression with no reason, an unknown rule or no
finding to cover is itself reported (RLS304), so stale ones do not pile up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .sources import Source
from .split import Chunk

_COMMENT = re.compile(r"(?:--|/\*)[ \t]*(rls-audit:[^\n]*)")
_DIRECTIVE = re.compile(r"rls-audit:\s*ignore\s*\[(?P<rules>[^\]]*)\](?P<reason>.*)$", re.I)


@dataclass(frozen=True, slots=True)
class Suppression:
    rules: tuple[str, ...]
    """Rule ids, upper case."""
    reason: str
    line: int
    column: int
    chunk: int | None
    """Index of the statement covered; None for the whole source (a host comment)."""
    problem: str | None = None
    """Why this suppression is invalid and applies to nothing."""


def parse_directive(text: str, names: Mapping[str, str]) -> tuple[tuple[str, ...], str, str | None]:
    """(rule ids, reason, problem) of `rls-audit: ignore[RULE, ...] reason`.

    `names` maps every accepted id and kebab-case name to its id."""
    text = text.strip()
    if text.endswith("*/"):
        text = text[:-2].rstrip()
    m = _DIRECTIVE.match(text)
    if m is None:
        return (), "", "malformed suppression: write `rls-audit: ignore[RLS301] reason`"
    rules, unknown = [], []
    for raw in m.group("rules").split(","):
        key = raw.strip()
        if not key:
            continue
        rule = names.get(key.upper()) or names.get(key.lower())
        (rules if rule else unknown).append(rule or key)
    reason = m.group("reason").strip().lstrip(":-\u2014\u2013").strip()
    if unknown:
        return tuple(rules), reason, f"suppression names unknown rule {', '.join(unknown)}"
    if not rules:
        return (), reason, "suppression names no rule"
    if not reason:
        return tuple(rules), "", "suppression gives no reason: add one after the ]"
    return tuple(rules), reason, None


def _chunk_of(offset: int, chunks: list[Chunk], source: Source) -> int | None:
    for i, chunk in enumerate(chunks):
        if chunk.start <= offset < chunk.end or (offset < chunk.start and i == 0):
            if i and offset < chunk.code:
                prev_line = source.locate(chunks[i - 1].end)[0]
                if source.locate(offset)[0] == prev_line:
                    return i - 1  # `...; -- rls-audit: ignore[..]` on the same line
            return i
        if offset < chunk.start:
            return None
    if chunks and source.locate(offset)[0] == source.locate(chunks[-1].end)[0]:
        return len(chunks) - 1
    return None


def find_suppressions(
    source: Source, chunks: list[Chunk], names: Mapping[str, str]
) -> list[Suppression]:
    """Suppressions written in the SQL text, each assigned to its statement."""
    if "rls-audit:" not in source.text:
        return []
    out = []
    for m in _COMMENT.finditer(source.text):
        rules, reason, problem = parse_directive(m.group(1), names)
        line, column = source.locate(m.start(1))
        out.append(
            Suppression(rules, reason, line, column, _chunk_of(m.start(), chunks, source), problem)
        )
    return out


def external_suppressions(
    comments: Iterable[tuple[str, int, int]], names: Mapping[str, str]
) -> list[Suppression]:
    """Suppressions written as host-language comments (`# rls-audit: ...`)."""
    out = []
    for text, line, column in comments:
        rules, reason, problem = parse_directive(text, names)
        out.append(Suppression(rules, reason, line, column, None, problem))
    return out
