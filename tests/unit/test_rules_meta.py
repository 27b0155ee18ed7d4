"""Invariants of the rule set: naming, documentation, one case file per rule, RULES.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.findings.registry import all_checks
from harness.rules import get_rules
from harness.rules._reference import markdown
from harness.testing import load_cases

ROOT = Path(__file__).resolve().parents[2]
RULES = get_rules()
CASES = load_cases("tests/cases/rules/*.yml", root=ROOT)
SECTIONS = ["Why it matters", "Anti-pattern", "Best practice", "References"]


def test_rules_are_listed_in_id_order_and_unique() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(r.id[3] == "0" and r.stage.value == "static" for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_module_named_after_id_and_name(rule) -> None:
    module = rule.__module__.rsplit(".", 1)[1]
    assert module == f"{rule.id.lower()}_{rule.name.replace('-', '_')}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_docstring_sections_in_order(rule) -> None:
    assert list(rule.doc.sections) == SECTIONS, rule.id
    assert rule.doc.title and len(rule.doc.title) <= 100
    assert all(rule.doc.sections[s].strip() for s in SECTIONS)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_case_file_goes_flaw_finding_fix_no_finding(rule) -> None:
    cases = [c for c in CASES if c.rule == rule.id]
    assert cases, f"tests/cases/rules/{rule.id}.yml is missing"
    assert all(c.path is not None and c.path.stem == rule.id for c in cases)
    fixed = [c for c in cases if c.expect and c.expect_after_fix is not None]
    assert fixed, f"{rule.id}: no case goes flaw -> finding -> fix -> no finding"
    assert any(not c.expect for c in cases), f"{rule.id}: no passing case"


def test_case_names_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_rules_md_is_current() -> None:
    current = (ROOT / "RULES.md").read_text("utf-8")
    assert current == markdown(all_checks()), (
        "RULES.md is stale: run `rls-audit rules --format md > RULES.md`"
    )
