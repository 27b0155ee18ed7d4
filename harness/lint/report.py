"""Lint output: console lines `path:line:col: RULE severity message` and a JSON document
with the same top-level shape as the audit's report (tool, target, summary, findings)."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..findings.model import Finding, Outcome, Severity
from .engine import LintResult

SCHEMA_VERSION = 1


def gating(findings: list[Finding], fail_on: Severity) -> list[Finding]:
    """Unsuppressed findings at or above the threshold: they fail the run."""
    return [f for f in findings if f.suppressed is None and f.severity.at_least(fail_on)]


def _counts(findings: list[Finding]) -> dict[str, int]:
    out = {s.value: 0 for s in Severity}
    for f in findings:
        if f.suppressed is None:
            out[f.severity.value] += 1
    return out


def _by_location(f: Finding) -> tuple[str, int, int, str]:
    loc = f.location
    if loc is None:
        return (str(f.object), 0, 0, f.rule)
    return (loc.path, loc.line or 0, loc.column or 0, f.rule)


def render_console(result: LintResult, fail_on: Severity, duration_s: float) -> str:
    lines = []
    for f in sorted(result.findings, key=_by_location):
        where = str(f.location) if f.location else str(f.object)
        mark = f" [suppressed: {f.suppressed}]" if f.suppressed is not None else ""
        lines.append(f"{where}: {f.rule} {f.severity.value} {f.name}: {f.message}{mark}")
        if f.suppressed is None and f.evidence.sql:
            lines.append(f"    | {f.evidence.sql}")
        if f.suppressed is None and f.remediation.text:
            lines.append(f"    = fix: {f.remediation.text}")
    failing = gating(result.findings, fail_on)
    counts = ", ".join(f"{n} {sev}" for sev, n in _counts(result.findings).items() if n)
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    lines.append(
        f"{'FAIL' if failing else 'PASS'}: {result.files} inputs, {result.statements} statements, "
        f"{len(result.tenant_tables)} tenant tables ({result.tenant_tables.origin}); "
        f"{counts or 'no findings'}"
        + (f", {suppressed} suppressed" if suppressed else "")
        + f"; gate at {fail_on.value} ({len(failing)} at or above); {duration_s:.2f}s"
    )
    return "\n".join(lines) + "\n"


def to_document(result: LintResult, fail_on: Severity, duration_s: float) -> dict[str, Any]:
    failing = gating(result.findings, fail_on)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "rls-audit", "version": __version__, "command": "lint"},
        "target": {
            "tenant_column": result.tenant_tables.tenant_column,
            "tenant_tables_from": result.tenant_tables.origin,
            "tenant_tables": [t.qualified_name for t in result.tenant_tables.tables],
        },
        "summary": {
            "verdict": "fail" if failing else "pass",
            "fail_on": fail_on.value,
            "total": sum(_counts(result.findings).values()),
            "by_severity": _counts(result.findings),
            "gating": len(failing),
            "inconclusive": sum(1 for f in result.findings if f.outcome is Outcome.INCONCLUSIVE),
            "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
            "inputs": result.files,
            "statements": result.statements,
            "duration_s": round(duration_s, 3),
            "notes": result.notes,
        },
        "findings": [f.to_dict() for f in result.findings],
    }


def render_json(result: LintResult, fail_on: Severity, duration_s: float) -> str:
    return json.dumps(to_document(result, fail_on, duration_s), indent=2) + "\n"
