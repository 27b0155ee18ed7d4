"""The end-of-run summary for a terminal or a CI log.

Each finding on one line, then a table of findings by severity and stage, the stages
that did not run, the verdict, and where the reports were written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..findings.model import Severity, Stage
from ._summary import by_severity_and_stage, headline, incomplete, stages

if TYPE_CHECKING:
    from ..audit import AuditResult

_COLOR = {
    Severity.CRITICAL: "\x1b[1;31m",
    Severity.HIGH: "\x1b[31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[34m",
}
_RESET = "\x1b[0m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def render(result: AuditResult, *, color: bool = False) -> str:
    run = result.run
    lines = [
        f"rls-audit {run.version}: {run.backend} PostgreSQL {run.server_version}, "
        f"database {run.database}" + (f", schema {run.schema}" if run.schema else ""),
    ]
    if result.catalog is not None:
        lines.append(
            f"catalog: {len(result.catalog.tenant_tables())} tenant tables "
            f"(tenant column {run.tenant_column}), {len(result.checks)} checks run"
        )
    for f in result.findings:
        mark = " [suppressed]" if f.suppressed else ""
        mark += " [inconclusive]" if f.outcome.value == "inconclusive" else ""
        where = f" ({f.location})" if f.location else ""
        sev = _paint(f"{f.severity.value.upper():8}", _COLOR[f.severity], color)
        lines.append(f"  {sev} {f.rule} {f.name} {f.object}{where}: {f.message}{mark}")
    lines += ["", *_table(result)]
    missing = [s.title.lower() for s in stages(result) if not s.ran]
    if missing:
        lines.append(f"not run: {', '.join(missing)}")
    gaps = incomplete(result)
    for reason in gaps:
        lines.append(_paint(f"incomplete: {reason}", "\x1b[33m", color))
    verdict = "INCOMPLETE" if gaps else "PASS" if result.passed else "FAIL"
    ok = result.passed and not gaps
    verdict = _paint(verdict, "\x1b[1;32m" if ok else "\x1b[1;31m", color)
    lines.append(
        f"{verdict}: {headline(result)}; gate at {result.fail_on.value} "
        f"({len(result.gating())} at or above); {run.duration_s:.1f}s"
    )
    return "\n".join(lines) + "\n"


def _table(result: AuditResult) -> list[str]:
    table = by_severity_and_stage(result)
    heads = ["severity", *(s.value for s in Stage), "total"]
    rows = [heads]
    for sev in Severity:
        cells = [str(table[sev][st] or "-") for st in Stage]
        rows.append([sev.value, *cells, str(sum(table[sev].values()))])
    totals = [str(sum(table[sev][st] for sev in Severity)) for st in Stage]
    rows.append(["total", *totals, str(sum(int(t) for t in totals))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(heads))]
    return [
        "  "
        + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]


def footer(written: Iterable[Path]) -> str:
    """Where the reports went, one per line."""
    return "".join(f"report: {path}\n" for path in written)
