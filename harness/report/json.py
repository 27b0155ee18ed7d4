"""The JSON report: a stable contract (tool, target, summary, findings)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ._summary import incomplete, verdict

if TYPE_CHECKING:
    from ..audit import AuditResult

SCHEMA_VERSION = 1


def to_document(result: AuditResult) -> dict[str, Any]:
    run = asdict(result.run)
    counts = result.counts()
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": run["tool"], "version": run["version"]},
        "target": {
            "backend": run["backend"],
            "target": run["target"],
            "server_version": run["server_version"],
            "database": run["database"],
            "schema": run["schema"],
            "tenant_column": run["tenant_column"],
            "load": run["load"],
        },
        "summary": {
            "verdict": verdict(result),
            "fail_on": result.fail_on.value,
            "total": sum(counts.values()),
            "by_severity": counts,
            "gating": len(result.gating()),
            "inconclusive": sum(1 for f in result.findings if f.outcome.value == "inconclusive"),
            "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
            "checks_run": len(result.checks),
            "tenant_tables": len(result.catalog.tenant_tables()) if result.catalog else 0,
            "started_at": run["started_at"],
            "duration_s": run["duration_s"],
        },
        "run": {  # a partial report says so: what ran is reported, the rest is listed here
            "complete": not incomplete(result),
            "incomplete": incomplete(result),
        },
        "findings": [f.to_dict() for f in result.findings],
        "matrix": result.matrix.to_dict() if getattr(result, "matrix", None) else None,
    }
    if run.get("read_only"):  # --read-only runs say so (harness/audit.py)
        document["target"]["read_only"] = True
    if run.get("trace") is not None:  # only an in-place --dsn audit has one (harness/trace.py)
        document["target"]["trace"] = run["trace"]
    return document


def render(result: AuditResult) -> str:
    return json.dumps(to_document(result), indent=2, sort_keys=False, default=str) + "\n"
