"""SARIF 2.1.0 for GitHub code scanning.

Rule metadata comes from each check's docstring; a finding's level and the rule's
`security-severity` come from its severity (semgrep's table); `partialFingerprints`
carry the finding's stable fingerprint. Database objects get the file and line of the
schema statement that creates them, so GitHub can annotate the pull request.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..findings.check import Check
from ..findings.model import Finding, Location, Outcome
from ._summary import SARIF_LEVEL, SECURITY_SEVERITY, incomplete, verdict
from .locations import for_result

if TYPE_CHECKING:
    from ..audit import AuditResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "rlsAudit/v1"
_LOGICAL_KIND = {"function": "function", "procedure": "function", "schema": "namespace"}


def _text(check: type[Check]) -> str:
    parts = [check.doc.title + "."]
    for heading, body in check.doc.sections.items():
        parts.append(f"{heading}:\n{body}")
    return "\n\n".join(parts)


def _markdown(check: type[Check]) -> str:
    parts = [f"**{check.id} {check.name}**: {check.doc.title}."]
    for heading, body in check.doc.sections.items():
        fenced = heading in ("Anti-pattern", "Best practice") and body.strip() != ""
        parts.append(f"### {heading}\n\n" + (f"```sql\n{body}\n```" if fenced else body))
    return "\n\n".join(parts)


def rule_descriptor(check: type[Check]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "tags": ["security", check.category.value, check.stage.value],
        "precision": "high",
    }
    if check.severity in SECURITY_SEVERITY:
        props["security-severity"] = SECURITY_SEVERITY[check.severity]
    return {
        "id": check.id,
        "name": check.name,
        "shortDescription": {"text": check.doc.title},
        "fullDescription": {"text": check.doc.section("Why it matters") or check.doc.title},
        "help": {"text": _text(check), "markdown": _markdown(check)},
        "defaultConfiguration": {"level": SARIF_LEVEL[check.severity]},
        "properties": props,
    }


def _bare_rule(finding: Finding) -> dict[str, Any]:
    """A rule that produced findings but is not among the checks run (an outside pack)."""
    props: dict[str, Any] = {"tags": ["security", finding.category.value, finding.stage.value]}
    if finding.severity in SECURITY_SEVERITY:
        props["security-severity"] = SECURITY_SEVERITY[finding.severity]
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name.replace("-", " ")},
        "defaultConfiguration": {"level": SARIF_LEVEL[finding.severity]},
        "properties": props,
    }


def _location(f: Finding, loc: Location | None) -> dict[str, Any]:
    logical = {
        "fullyQualifiedName": str(f.object),
        "kind": _LOGICAL_KIND.get(f.object.kind, "resource"),
    }
    out: dict[str, Any] = {"logicalLocations": [logical]}
    if loc is not None:
        region: dict[str, Any] = {"startLine": loc.line or 1}
        if loc.column:
            region["startColumn"] = loc.column
        out["physicalLocation"] = {
            "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    return out


def _message(f: Finding) -> str:
    text = f.message
    if f.outcome is Outcome.INCONCLUSIVE:
        text = f"Inconclusive: {text}"
    if f.remediation.text:
        text += f" Remediation: {f.remediation.text}"
    return text


def _result(f: Finding, index: int, loc: Location | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "kind": "fail",
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": _message(f)},
        "locations": [_location(f, loc)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "severity": f.severity.value,
            "category": f.category.value,
            "stage": f.stage.value,
            "outcome": f.outcome.value,
            "object": str(f.object),
            "objectKind": f.object.kind,
            "evidence": f.evidence.to_dict(),
            "remediation": f.remediation.to_dict(),
        },
    }
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    return out


def to_document(result: AuditResult) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [rule_descriptor(c) for c in sorted(result.checks, key=_id)]
    ids = [r["id"] for r in rules]
    for f in result.findings:
        if f.rule not in ids:
            rules.append(_bare_rule(f))
            ids.append(f.rule)
    locations = for_result(result)
    run = result.run
    results = [_result(f, ids.index(f.rule), locations.get(f.fingerprint)) for f in result.findings]
    gaps = incomplete(result)
    invocation: dict[str, Any] = {"executionSuccessful": not gaps}
    if gaps:  # SARIF's own way to say the run did not cover everything
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"audit incomplete: {reason}"}}
            for reason in gaps
        ]
    if run.started_at:
        invocation["startTimeUtc"] = run.started_at.replace("+00:00", "Z")
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": run.tool,
                        "version": run.version,
                        "semanticVersion": run.version,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "verdict": verdict(result),
                    "failOn": result.fail_on.value,
                    "backend": run.backend,
                    "serverVersion": run.server_version,
                    "schema": run.schema,
                    "tenantColumn": run.tenant_column,
                    "counts": result.counts(),
                    "inconclusive": sum(
                        1 for f in result.findings if f.outcome is Outcome.INCONCLUSIVE
                    ),
                },
            }
        ],
    }


def _id(check: type[Check]) -> str:
    return check.id


def render(result: AuditResult) -> str:
    return json.dumps(to_document(result), indent=2, default=str) + "\n"
