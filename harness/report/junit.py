"""JUnit XML: one test suite per stage, a test case per check and object.

A finding at or above the gate is a failure carrying its evidence; an inconclusive one
is an error (it could not be decided, which is never a pass); a suppressed one is
skipped with its reason; one below the gate passes with the finding in its output, so
CI test views agree with the exit code. A check with no finding is one passing case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..findings.model import Finding, Location, Outcome, Stage
from ._summary import incomplete
from .locations import for_result

if TYPE_CHECKING:
    from ..audit import AuditResult


_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """XML 1.0 cannot carry control characters; evidence from a database may."""
    return _NOT_XML.sub("\ufffd", text)


def _evidence(f: Finding) -> str:
    lines = [f"{f.severity.value.upper()} {f.rule} {f.name} on {f.object}", f.message]
    ev = f.evidence
    for label, value in (
        ("actor", ev.actor),
        ("tenant", ev.tenant),
        ("expected", ev.expected),
        ("observed", ev.observed),
    ):
        if value:
            lines.append(f"{label}: {value}")
    for key, value in sorted(ev.details.items()):
        lines.append(f"{key}: {value}")
    if ev.sql:
        lines += ["", "SQL:", ev.sql]
    if ev.reproducer:
        lines += ["", "Reproducer:", ev.reproducer]
    if f.remediation.text:
        lines += ["", f"Remediation: {f.remediation.text}"]
    if f.remediation.fix_sql:
        lines.append(f.remediation.fix_sql)
    lines.append(f"Fingerprint: {f.fingerprint}")
    return _xml("\n".join(lines))


def _case(
    suite: ET.Element, f: Finding, gating: set[str], fail_on: str, loc: Location | None
) -> str:
    """Append the case of one finding; returns its kind: failure, error, skipped or passed."""
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"rls-audit.{f.stage.value}.{f.rule}",
        name=_xml(f"{f.name}: {f.object}"),
        time="0",
    )
    if loc is not None:
        case.set("file", loc.path)
        if loc.line is not None:
            case.set("line", str(loc.line))
    text = _evidence(f)
    if f.suppressed is not None:
        ET.SubElement(case, "skipped", message=_xml(f"suppressed: {f.suppressed}"))
        ET.SubElement(case, "system-out").text = text
        return "skipped"
    if f.outcome is Outcome.INCONCLUSIVE and f.fingerprint in gating:
        ET.SubElement(case, "error", message=_xml(f.message), type="inconclusive").text = text
        return "error"
    if f.fingerprint in gating:
        ET.SubElement(case, "failure", message=_xml(f.message), type=f.severity.value).text = text
        return "failure"
    ET.SubElement(
        case, "system-out"
    ).text = f"finding below the gate ({f.severity.value} < {fail_on}):\n{text}"
    return "passed"


def render(result: AuditResult) -> str:
    gating = {f.fingerprint for f in result.gating()}
    fail_on = result.fail_on.value
    locations = for_result(result)
    root = ET.Element("testsuites", name="rls-audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for stage in Stage:
        checks = sorted((c for c in result.checks if c.stage is stage), key=lambda c: c.id)
        findings = [f for f in result.findings if f.stage is stage]
        if not checks and not findings:
            continue
        suite = ET.SubElement(root, "testsuite", name=f"rls-audit.{stage.value}")
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("server_version", result.run.server_version),
            ("backend", result.run.backend),
            ("schema", result.run.schema or ""),
            ("fail_on", fail_on),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        with_findings = {f.rule for f in findings}
        for check in checks:
            if check.id not in with_findings:
                ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"rls-audit.{stage.value}.{check.id}",
                    name=f"{check.name}: no findings",
                    time="0",
                )
                counts["tests"] += 1
        for f in findings:
            kind = _case(suite, f, gating, fail_on, locations.get(f.fingerprint))
            counts["tests"] += 1
            if kind != "passed":
                counts[{"failure": "failures", "error": "errors"}.get(kind, kind)] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    gaps = incomplete(result)
    if gaps:  # each part a fault stopped is an error: CI never shows a partial run green
        suite = ET.SubElement(root, "testsuite", name="rls-audit.incomplete")
        for reason in gaps:
            case = ET.SubElement(
                suite, "testcase", classname="rls-audit.incomplete", name=_xml(reason), time="0"
            )
            ET.SubElement(case, "error", message=_xml(reason), type="incomplete")
        counts = {"tests": len(gaps), "failures": 0, "errors": len(gaps), "skipped": 0}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
    if not len(root):  # a run that checked nothing says so instead of looking empty
        suite = ET.SubElement(root, "testsuite", name="rls-audit", tests="1", skipped="1")
        case = ET.SubElement(suite, "testcase", classname="rls-audit", name="no checks ran")
        ET.SubElement(case, "skipped", message="no checks ran: nothing was verified")
        totals["tests"] = totals["skipped"] = 1
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{result.run.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
