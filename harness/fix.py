"""`rls-audit fix`: the fix_sql of the findings as one reviewable migration.

The tool never applies it. Statements are deduplicated (several findings often share one
fix, such as a restrictive tenant policy), kept in rule order under a comment naming the
findings they fix, and wrapped in one transaction. Findings without SQL are listed at the
end: they need a person.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .files import write_atomically
from .findings.model import Finding, Outcome


def migration(findings: Iterable[Finding], *, source: str = "") -> str:
    ordered = sorted(
        (f for f in findings if f.suppressed is None and f.outcome is Outcome.FAILED),
        key=lambda f: (f.rule, str(f.object), f.fingerprint),
    )
    lines = [
        "-- rls-audit fix: remediation migration. Review every statement before applying it;",
        "-- statements marked unsafe change behaviour (privileges, policies, keys).",
    ]
    if source:
        lines.append(f"-- source: {source}")
    lines += ["", "BEGIN;", ""]
    seen: set[str] = set()
    manual: list[Finding] = []
    for f in ordered:
        if not f.remediation.fix_sql:
            manual.append(f)
            continue
        new = [s for s in f.remediation.fix_sql.splitlines() if s.strip() and s not in seen]
        header = (
            f"-- {f.rule} {f.name} ({f.severity.value}, {f.remediation.applicability.value}): "
            f"{f.object}"
        )
        if not new:
            lines.append(f"{header}: fixed above")
            continue
        seen.update(new)
        lines += [header, *new, ""]
    lines += ["COMMIT;", ""]
    if manual:
        lines.append("-- Findings without SQL (they need a person):")
        lines += [f"--   {f.rule} {f.name} {f.object}: {f.remediation.text}" for f in manual]
        lines.append("")
    return "\n".join(lines)


def write_migration(findings: Iterable[Finding], path: Path, *, source: str = "") -> int:
    """Write the migration to `path`; returns how many statements it holds."""
    text = migration(findings, source=source)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
    return sum(1 for line in text.splitlines() if line and not line.startswith("--")) - 2
