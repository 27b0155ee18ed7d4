"""The gate without a database: suppressions, baselines, and what they do to the verdict."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from harness.audit import AuditResult, RunInfo
from harness.config import resolve
from harness.errors import ConfigError
from harness.findings import Category, Evidence, Finding, ObjectRef, Remediation, Severity
from harness.findings.baseline import (
    Baseline,
    apply_gate,
    gate,
    read_baseline,
    rebaseline,
    write_baseline,
)
from harness.findings.fingerprint import fingerprint
from harness.findings.suppressions import Suppression, parse_suppressions
from harness.report import render

TODAY = dt.date(2025, 6, 1)


def finding(rule: str, name: str, obj: str, severity: Severity = Severity.HIGH) -> Finding:
    ref = ObjectRef.parse(obj)
    return Finding(
        rule=rule,
        name=name,
        severity=severity,
        category=Category.ISOLATION,
        object=ref,
        message=f"{name} on {obj}",
        evidence=Evidence(),
        remediation=Remediation("fix it"),
        fingerprint=fingerprint(rule, ref),
    )


NOT_FORCED = finding("RLS003", "rls-not-forced", "public.audit_logs")
DISABLED = finding("RLS001", "rls-disabled", "public.invoices", Severity.CRITICAL)
LOW = finding("RLS070", "tenant-column-not-indexed", "public.notes", Severity.LOW)


def result(findings: list[Finding], fail_on: Severity = Severity.HIGH) -> AuditResult:
    return AuditResult(run=RunInfo(), findings=findings, checks=[], fail_on=fail_on)


# -- suppressions -----------------------------------------------------------------------


def test_entries_need_rule_object_and_a_reason_and_may_expire():
    entries = parse_suppressions(
        [
            {"rule": "RLS003", "object": "public.audit_logs", "reason": "trigger writes it"},
            {
                "rule": "rls-disabled",
                "object": "public.*",
                "reason": "legacy",
                "expires": "2025-12-31",
            },
            {"rule": "RLS070", "object": "x", "reason": "r", "expires": dt.date(2024, 1, 1)},
        ]
    )
    assert entries[0] == Suppression("RLS003", "public.audit_logs", "trigger writes it")
    assert entries[1].expires == dt.date(2025, 12, 31)
    assert entries[2].expired(TODAY)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"rule": "RLS003", "object": "public.t"}, "entry 1: 'reason' is required"),
        ({"rule": "RLS003", "object": "public.t", "reason": "  "}, "'reason' is required"),
        (
            {"rule": "RLS003", "object": "public.t", "reason": "r", "until": "x"},
            "unknown key 'until'",
        ),
        ({"rule": "RLS003", "object": "public.t", "reason": "r", "expires": "soon"}, "not a date"),
        ("RLS003", "expected a table"),
    ],
)
def test_bad_entries_are_one_clear_error(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_suppressions([entry])


def test_a_live_suppression_marks_the_finding_and_keeps_it(tmp_path):
    s = Suppression("rls-not-forced", "public.*", "the audit trigger writes as owner", TODAY)
    out = apply_gate([NOT_FORCED, DISABLED], suppressions=[s], today=TODAY)
    marked = next(f for f in out if f.rule == "RLS003")
    assert marked.suppressed == "the audit trigger writes as owner (until 2025-06-01)"
    assert next(f for f in out if f.rule == "RLS001").suppressed is None
    assert [f.rule for f in result(out).gating()] == ["RLS001"]


def test_an_expired_suppression_hides_nothing_and_fails_the_gate():
    s = Suppression("RLS070", "public.notes", "index planned", dt.date(2025, 5, 31))
    out = apply_gate([LOW], suppressions=[s], today=TODAY)
    assert next(f for f in out if f.rule == "RLS070").suppressed is None
    expired = next(f for f in out if f.rule == "RLS090")
    assert expired.severity is Severity.HIGH  # the threshold's, though it covered a low
    assert "expired on 2025-05-31" in expired.message
    assert not result(out).passed
    strict = apply_gate([LOW], suppressions=[s], today=TODAY, fail_on=Severity.CRITICAL)
    assert not result(strict, Severity.CRITICAL).passed


def test_an_unused_suppression_is_reported_without_failing():
    s = Suppression("RLS001", "public.gone", "dropped table")
    out = apply_gate([LOW], suppressions=[s], today=TODAY)
    unused = next(f for f in out if f.rule == "RLS091")
    assert unused.severity is Severity.INFO
    assert result(out).passed


# -- baselines --------------------------------------------------------------------------


def test_baseline_round_trip_accepts_known_findings_only(tmp_path):
    path = tmp_path / "baseline.json"
    assert write_baseline(path, [NOT_FORCED, LOW]) == 2
    doc = json.loads(path.read_text())
    assert [e["rule"] for e in doc["findings"]] == ["RLS003", "RLS070"]
    baseline = read_baseline(path)
    out = apply_gate([NOT_FORCED, DISABLED, LOW], baseline=baseline, today=TODAY)
    assert {f.rule: f.suppressed for f in out} == {
        "RLS001": None,
        "RLS003": "in baseline baseline.json",
        "RLS070": "in baseline baseline.json",
    }
    assert [f.rule for f in result(out).gating()] == ["RLS001"]


def test_a_json_report_works_as_a_baseline(tmp_path):
    report = tmp_path / "rls-audit.json"
    report.write_text(render("json", result([NOT_FORCED])))
    assert read_baseline(report).covers(NOT_FORCED)


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "does not exist"), ("{", "cannot read baseline"), ('{"x": 1}', "is not a baseline")],
)
def test_a_bad_baseline_file_is_a_config_error(tmp_path, text, message):
    path = tmp_path / "b.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_baseline(path)


def test_gate_findings_are_never_baselined(tmp_path):
    s = Suppression("RLS070", "public.notes", "index planned", dt.date(2020, 1, 1))
    first = apply_gate([LOW], suppressions=[s], today=TODAY)
    path = tmp_path / "b.json"
    write_baseline(path, first)
    assert read_baseline(path).fingerprints == {LOW.fingerprint}
    again = apply_gate([LOW], suppressions=[s], baseline=read_baseline(path), today=TODAY)
    assert not result(again).passed


def test_rebaseline_marks_what_was_just_recorded(tmp_path):
    out = rebaseline([DISABLED, LOW], tmp_path / "b.json")
    assert all(f.suppressed == "in baseline b.json" for f in out)
    assert result(out).passed


def test_suppressed_findings_stay_in_the_json_and_sarif_reports():
    out = apply_gate([NOT_FORCED], suppressions=[Suppression("RLS003", "public.audit_logs", "why")])
    doc = json.loads(render("json", result(out)))
    assert doc["findings"][0]["suppressed"] == "why"
    assert doc["summary"]["suppressed"] == 1 and doc["summary"]["verdict"] == "pass"
    sarif = json.loads(render("sarif", result(out)))
    assert sarif["runs"][0]["results"][0]["suppressions"]


# -- configuration ----------------------------------------------------------------------


def test_configuration_reads_suppress_tables_and_baseline_paths(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.rls-audit]\n"
        'baseline = "ci/rls-baseline.json"\n'
        "[[tool.rls-audit.suppress]]\n"
        'rule = "RLS003"\nobject = "public.audit_logs"\nreason = "owner writes audit rows"\n'
        "expires = 2030-01-31\n"
    )
    config = resolve({}, environ={}, cwd=tmp_path)
    assert config.baseline == tmp_path / "ci" / "rls-baseline.json"
    assert config.suppress == (
        Suppression("RLS003", "public.audit_logs", "owner writes audit rows", dt.date(2030, 1, 31)),
    )
    env = resolve(
        {"write_baseline": Path("b.json")}, environ={"RLS_AUDIT_BASELINE": "a.json"}, cwd=tmp_path
    )
    assert (env.baseline, env.write_baseline) == (Path("a.json"), Path("b.json"))


def test_a_suppression_without_reason_in_the_file_names_file_and_key(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[[tool.rls-audit.suppress]]\nrule = "RLS003"\nobject = "public.t"\n')
    with pytest.raises(
        ConfigError, match=r"pyproject.toml: suppress: entry 1: 'reason' is required"
    ):
        resolve({}, environ={}, cwd=tmp_path)


def test_gate_reads_a_missing_baseline_as_empty_only_when_about_to_write_it(tmp_path):
    path = tmp_path / "b.json"
    config = resolve({"baseline": path, "write_baseline": path}, environ={}, cwd=tmp_path)
    assert gate([LOW], config) == [LOW]
    with pytest.raises(ConfigError, match="does not exist"):
        gate([LOW], resolve({"baseline": path}, environ={}, cwd=tmp_path))
    assert Baseline(frozenset()).note() == "in baseline baseline"
