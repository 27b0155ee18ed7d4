"""The end-of-run summary for a terminal or a CI log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..audit import AuditResult


def render(result: AuditResult) -> str:
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
        where = f" ({f.location})" if f.location else ""
        lines.append(
            f"  {f.severity.value.upper():8} {f.rule} {f.name} {f.object}{where}: {f.message}{mark}"
        )
    counts = result.counts()
    summary = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"{verdict}: {summary or 'no findings'}; gate at {result.fail_on.value} "
        f"({len(result.gating())} at or above); {run.duration_s:.1f}s"
    )
    return "\n".join(lines) + "\n"
