"""Every reporter against its golden file in tests/snapshots/ (ruff, squawk, pgspot style).

A deliberate change to a report is accepted by regenerating the files:
RLS_AUDIT_UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_report_snapshots.py
"""

from __future__ import annotations

import os

import pytest
from test_report_sample import ROOT, clean_result, sample_result

from harness.report import render

SNAPSHOTS = ROOT / "tests" / "snapshots"
CASES = {
    "html": "html",
    "sarif": "sarif",
    "junit": "junit.xml",
    "md": "md",
    "console": "console.txt",
    "github": "github.txt",
    "json": "json",
}


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("RLS_AUDIT_UPDATE_SNAPSHOTS"):
        path.write_text(text, "utf-8")
    assert path.exists(), f"no golden file {name}: run with RLS_AUDIT_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text("utf-8"), f"{name} differs from its golden file"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # schema locations are relative to the working directory


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_sample_report_matches_golden_file(fmt):
    _check(f"sample.{CASES[fmt]}", render(fmt, sample_result()))


@pytest.mark.parametrize("fmt", ["md", "console", "junit"])
def test_clean_report_matches_golden_file(fmt):
    _check(f"clean.{CASES[fmt]}", render(fmt, clean_result()))
