"""Facts every reporter states the same way: verdict, counts, stage coverage, severities.

One place for them so the HTML, Markdown, JUnit, SARIF and terminal views never disagree.
Optional results of later stages are read with `getattr`, so a report renders whatever
the audit produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..findings.model import Category, Finding, ObjectRef, Outcome, Severity, Stage

if TYPE_CHECKING:
    from ..audit import AuditResult

STAGE_TITLES = {
    Stage.STATIC: "Static rules",
    Stage.PROBE: "Dynamic probes",
    Stage.PLAN: "Query plans",
    Stage.LINT: "Query lint",
}

SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
"""semgrep's table: what GitHub shows as error, warning or note."""

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
"""GitHub ranks code-scanning alerts Critical..Low from this number; info has none."""

RELATION_KINDS = frozenset(
    {"table", "partitioned table", "view", "materialized view", "foreign table"}
)


@dataclass(frozen=True, slots=True)
class StageStatus:
    stage: Stage
    title: str
    ran: bool
    checks: int
    findings: int
    note: str


def verdict(result: AuditResult) -> str:
    """pass, fail, or incomplete: a fault stopped part of the audit (exit code 2)."""
    if incomplete(result):
        return "incomplete"
    return "pass" if result.passed else "fail"


def incomplete(result: AuditResult) -> list[str]:
    """What a fault skipped or stopped, one line each; empty for a complete audit."""
    return list(getattr(result.run, "incomplete", None) or [])


def active(result: AuditResult) -> list[Finding]:
    """Findings that count: suppressed ones stay reported but are not counted."""
    return [f for f in result.findings if f.suppressed is None]


def by_severity_and_stage(result: AuditResult) -> dict[Severity, dict[Stage, int]]:
    table = {s: {st: 0 for st in Stage} for s in Severity}
    for f in active(result):
        table[f.severity][f.stage] += 1
    return table


def by_category(result: AuditResult) -> dict[Category, int]:
    out = {c: 0 for c in Category}
    for f in active(result):
        out[f.category] += 1
    return out


def inconclusive(result: AuditResult) -> list[Finding]:
    return [f for f in result.findings if f.outcome is Outcome.INCONCLUSIVE]


def stages(result: AuditResult) -> list[StageStatus]:
    """Which stages ran: a stage with no check run is "not run", never a silent pass."""
    out = []
    for stage in Stage:
        checks = [c for c in result.checks if c.stage is stage]
        found = [f for f in result.findings if f.stage is stage]
        ran = bool(checks) or bool(found) or _stage_attr(result, stage) is not None
        note = (
            f"{plural(len(checks), 'check')}, {plural(len(found), 'finding')}" if ran else "not run"
        )
        out.append(StageStatus(stage, STAGE_TITLES[stage], ran, len(checks), len(found), note))
    return out


def _stage_attr(result: AuditResult, stage: Stage) -> Any:
    """What a later stage attached to the result, if anything (see the report docs)."""
    name = {Stage.PROBE: "matrix", Stage.PLAN: "plans", Stage.LINT: "lint"}.get(stage)
    return getattr(result, name, None) if name else None


def seed(result: AuditResult) -> str | None:
    value = getattr(result.run, "seed", None)
    return None if value in (None, "") else str(value)


def table_of(finding: Finding, result: AuditResult | None = None) -> str:
    """The relation a finding is about, for per-table filters; "" when it is not one."""
    obj = finding.object
    if obj.kind in RELATION_KINDS or obj.kind == "column":
        return _relation(obj)
    if obj.kind in ("policy", "trigger", "constraint") and obj.signature:
        return obj.signature
    if obj.kind == "index" and result is not None and result.catalog is not None:
        for index in result.catalog.indexes:
            if index.qualified_name == _relation(obj):
                return index.table_name
    return ""


def _relation(obj: ObjectRef) -> str:
    return f"{obj.schema}.{obj.name}" if obj.schema else obj.name


def headline(result: AuditResult) -> str:
    """`3 critical, 1 high` or `no findings`."""
    counts = result.counts()
    parts = [f"{n} {sev}" for sev, n in counts.items() if n]
    return ", ".join(parts) or "no findings"


def plural(count: int, noun: str) -> str:
    """`1 check`, `2 checks`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
