"""Where SQL comes from, and how an offset in it maps back to a line and column.

A source is SQL text plus the way back to the file: a `.sql` file maps offsets to its
own lines; a Python string literal maps each character of its value to where that
character is written in the `.py` file (escapes and implicit concatenation included);
a pg_stat_statements entry or a catalog object is its own text.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import ConfigError

SKIP_DIRS = frozenset({".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox"})


@dataclass(frozen=True, slots=True)
class ExternalSuppression:
    """A `# rls-audit: ignore[...]` comment of the host language, outside the SQL."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Source:
    path: str
    text: str
    kind: str = "sql"
    """sql, python, pg_stat_statements, view, function."""
    line: int = 1
    column: int = 1
    """Where text[0] is in the file (for SQL embedded at a known place)."""
    positions: tuple[tuple[int, int], ...] | None = None
    """(line, column) of each character of text, for string literals."""
    external: tuple[ExternalSuppression, ...] = ()
    context: str = ""
    """What the SQL belongs to, for messages: `view public.v`, `function public.f(uuid)`."""
    language: str = "sql"
    """sql or plpgsql: a function body is read according to its language."""
    variables: frozenset[str] = field(default_factory=frozenset)
    markers: tuple[tuple[str, str], ...] = ()
    """(marker, Python expression) for SQL composed in Python: what each marker
    identifier in text stands for (`harness.lint.pycompose`)."""

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def locate(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the file of the character at `offset`."""
        offset = max(0, min(offset, len(self.text)))
        if self.positions is not None:
            if offset < len(self.positions):
                return self.positions[offset]
            return self.positions[-1] if self.positions else (self.line, self.column)
        starts = self._line_starts
        index = bisect.bisect_right(starts, offset) - 1
        col = offset - starts[index] + 1
        if index == 0:
            return self.line, self.column + col - 1
        return self.line + index, col


MAX_BYTES = 10_000_000
"""Larger files are refused: application SQL is never this big, a dump or a binary is."""


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(
                f"cannot read {path}: {size} bytes, more than the {MAX_BYTES} a lint input may have"
            )
        text = path.read_text("utf-8")
        if "\x00" in text:
            raise ConfigError(f"cannot read {path}: binary file (it holds NUL bytes)")
        return text
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None


def walk(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files to lint: given files as they are, directories walked for .sql and .py files,
    in a stable order. A path that does not exist is an error."""
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                found.extend(Path(root, f) for f in files if f.endswith((".sql", ".py")))
            yield from sorted(found)
        else:
            raise ConfigError(f"lint: {path} does not exist", hint="pass .sql/.py files or dirs")


def sources_of(path: Path) -> list[Source]:
    """The SQL sources of one file: the file itself, or the SQL literals of a .py file."""
    text = read_text(path)
    if path.suffix == ".py":
        from .pysource import python_sources

        return python_sources(str(path), text)
    return [Source(str(path), text)]
