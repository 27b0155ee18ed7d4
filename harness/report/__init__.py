"""Reporters: one module per output format, each rendering an AuditResult to text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..audit import AuditResult

FILE_NAMES = {"json": "rls-audit.json"}


def render(fmt: str, result: AuditResult) -> str:
    if fmt == "json":
        from .json import render as render_json

        return render_json(result)
    if fmt == "console":
        from .console import render as render_console

        return render_console(result)
    raise ValueError(f"unknown format {fmt!r}")


def write_reports(result: AuditResult, formats: tuple[str, ...], output: Path) -> list[Path]:
    """Write every file format into `output`; the console format is printed, not written."""
    written = []
    files = [f for f in formats if f in FILE_NAMES]
    if files:
        output.mkdir(parents=True, exist_ok=True)
    for fmt in files:
        path = output / FILE_NAMES[fmt]
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(render(fmt, result), "utf-8")
        tmp.replace(path)  # a reader never sees half a report
        written.append(path)
    return written
