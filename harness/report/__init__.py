"""Reporters: one module per output format, each rendering an AuditResult to text.

File formats are written into the output directory; `console` and `github` go to
standard output (GitHub annotations switch on by themselves under GitHub Actions).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import write_atomically

if TYPE_CHECKING:
    from ..audit import AuditResult

FILE_NAMES = {
    "json": "rls-audit.json",
    "html": "rls-audit.html",
    "sarif": "rls-audit.sarif",
    "junit": "rls-audit.junit.xml",
    "md": "rls-audit.md",
}
STREAMS = ("console", "github")
"""Formats printed on standard output rather than written to a file."""

_MODULES = {
    "json": "json",
    "html": "html",
    "sarif": "sarif",
    "junit": "junit",
    "md": "markdown",
    "console": "console",
    "github": "github",
}


def render(fmt: str, result: AuditResult) -> str:
    try:
        module = importlib.import_module(f".{_MODULES[fmt]}", __name__)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(_MODULES)})") from None
    return module.render(result)


def write_reports(result: AuditResult, formats: tuple[str, ...], output: Path) -> list[Path]:
    """Write every file format into `output`; the console format is printed, not written.

    Each file is rendered in full, written to a temporary file beside it and renamed over
    it: a reader (or a CI step after Ctrl-C, a full disk, a crash) sees the previous
    report or the new one, never half of one, and no temporary file stays behind.
    """
    written = []
    files = [f for f in formats if f in FILE_NAMES]
    if files:
        output.mkdir(parents=True, exist_ok=True)
    for fmt in files:
        path = output / FILE_NAMES[fmt]
        write_atomically(path, render(fmt, result))
        written.append(path)
    return written


def terminal_output(
    result: AuditResult,
    formats: Iterable[str],
    written: Iterable[Path],
    *,
    quiet: bool = False,
    tty: bool = False,
    environ: Mapping[str, str] | None = None,
) -> str:
    """What `rls-audit` prints on standard output after a run.

    GitHub annotations (under GitHub Actions, or with the `github` format), then, unless
    quiet, the console summary and where the reports were written.
    """
    from . import console, github

    env = dict(os.environ if environ is None else environ)
    formats = tuple(formats)
    out = ""
    if "github" in formats or github.enabled(env):
        out += github.render(result)
    if "console" in formats and not quiet:
        color = tty and "NO_COLOR" not in env and env.get("TERM") != "dumb"
        out += console.render(result, color=color) + console.footer(written)
    return out
