"""Baselines and the gate: which findings may fail a run.

A baseline is the set of fingerprints a team has accepted (written by
`--write-baseline`); with `--baseline` only findings outside it can fail the run. A
fingerprint hashes the rule and the object, never the message or severity, so a
baseline survives edits (semgrep `match_based_id`). A JSON report of an earlier run
(`rls-audit.json`) works as a baseline too: both have a `findings` list with
`fingerprint`s. Covered findings are marked, not dropped: every report still shows them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..files import write_atomically
from .model import Finding, Severity, sort_findings
from .suppressions import GATE_RULES, Suppression, expired_finding, unused_finding

if TYPE_CHECKING:
    from ..config import AuditConfig

BASELINE_VERSION = 1
KIND = "rls-audit-baseline"


@dataclass(frozen=True, slots=True)
class Baseline:
    fingerprints: frozenset[str]
    source: str = "baseline"
    """How covered findings name it: the file's name."""

    def covers(self, finding: Finding) -> bool:
        return finding.fingerprint in self.fingerprints

    def note(self) -> str:
        return f"in baseline {self.source}"


def read_baseline(path: Path) -> Baseline:
    """A baseline file, or a JSON report used as one; ConfigError says what is wrong."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"baseline file {path} does not exist",
            hint=f"record one with --write-baseline {path}",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read baseline file {path}: {exc}") from None
    entries = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(
            f"{path} is not a baseline: expected a 'findings' list of objects with a 'fingerprint'",
            hint="write one with --write-baseline, or pass a JSON report of rls-audit",
        )
    return Baseline(frozenset(e["fingerprint"] for e in entries), source=path.name)


def baseline_document(findings: Iterable[Finding]) -> dict[str, Any]:
    """What --write-baseline records: the fingerprint plus enough to read it in review."""
    entries = {
        f.fingerprint: {
            "fingerprint": f.fingerprint,
            "rule": f.rule,
            "name": f.name,
            "object": str(f.object),
            "severity": f.severity.value,
            "message": f.message,
        }
        for f in findings
        if f.rule not in GATE_RULES
    }
    ordered = sorted(entries.values(), key=lambda e: (e["rule"], e["object"], e["fingerprint"]))
    return {"schema_version": BASELINE_VERSION, "kind": KIND, "findings": ordered}


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Record the findings' fingerprints (sorted, so the file diffs well); returns how many."""
    doc = baseline_document(findings)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(doc, indent=2) + "\n")
    return len(doc["findings"])


def apply_gate(
    findings: Iterable[Finding],
    *,
    suppressions: Iterable[Suppression] = (),
    baseline: Baseline | None = None,
    fail_on: Severity = Severity.HIGH,
    today: dt.date | None = None,
) -> list[Finding]:
    """Mark suppressed and baselined findings; add one finding per expired or unused entry.

    A live suppression marks the findings it matches with its reason. An expired one
    marks nothing and adds a finding at or above `fail_on`, so the gate fails. Findings
    already marked (an inline ignore in linted SQL) keep their mark.
    """
    today = today or dt.date.today()
    entries = tuple(suppressions)
    used: dict[Suppression, list[Finding]] = {s: [] for s in entries}
    out: list[Finding] = []
    for f in findings:
        if f.suppressed is None and f.rule not in GATE_RULES:
            hits = [s for s in entries if s.matches(f)]
            for s in hits:
                used[s].append(f)
            live = next((s for s in hits if not s.expired(today)), None)
            if live is not None:
                f = replace(f, suppressed=live.note())
            elif baseline is not None and baseline.covers(f):
                f = replace(f, suppressed=baseline.note())
        out.append(f)
    for s, covered in used.items():
        if s.expired(today):
            out.append(expired_finding(s, covered, fail_on))
        elif not covered:
            out.append(unused_finding(s))
    return sort_findings(out)


def gate(findings: Iterable[Finding], config: AuditConfig) -> list[Finding]:
    """`apply_gate` with the configuration's suppressions and baseline file.

    A missing baseline that --write-baseline is about to create counts as empty, so one
    command can both create and use it.
    """
    baseline = None
    path = config.baseline
    if path is not None and (path.exists() or path != config.write_baseline):
        baseline = read_baseline(path)
    return apply_gate(
        findings, suppressions=config.suppress, baseline=baseline, fail_on=config.fail_on
    )


def rebaseline(findings: Iterable[Finding], path: Path) -> list[Finding]:
    """After --write-baseline: the run reports what it just recorded as baselined."""
    items = list(findings)
    recorded = Baseline(
        frozenset(f.fingerprint for f in items if f.rule not in GATE_RULES), source=path.name
    )
    return [
        replace(f, suppressed=recorded.note()) if f.suppressed is None and recorded.covers(f) else f
        for f in items
    ]
