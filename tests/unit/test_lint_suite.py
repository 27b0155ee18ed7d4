"""The labelled lint suite (tests/cases/lint): every case yields exactly its labelled
findings, and the run prints precision and recall over all of them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from harness.findings.model import Finding
from harness.lint import tenant_tables_from_ddl
from harness.lint.engine import Linter
from harness.lint.pysource import python_sources
from harness.lint.sources import Source
from harness.lint.split import split_chunks

CASES = Path(__file__).resolve().parents[1] / "cases" / "lint"
_CASE = re.compile(r"^\s*(?:--|#)\s*case:\s*(\S+)\s*$")
_EXPECT = re.compile(r"^\s*(?:--|#)\s*expect:\s*(.+?)\s*$")
_AT = re.compile(r"^(.*?)\s+at\s+([+-]?\d+):(\d+)$")
Label = tuple[str, str, bool, tuple[int, int] | None]
"""(rule, object, suppressed, (line, column) or None). `expect: RULE object at +2:17`
pins the finding's location: 2 lines below the expect line (or an absolute line
without a sign), column 17. A case that pins one location pins all of them."""


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    first: int
    last: int
    expected: tuple[Label, ...]
    statements: int


def _label(text: str, line: int) -> Label | None:
    if text == "clean":
        return None
    at = None
    m = _AT.match(text)
    if m:
        text, row, col = m.group(1), m.group(2), int(m.group(3))
        at = (line + int(row) if row[0] in "+-" else int(row), col)
    rule, obj, *rest = text.split()
    return rule, obj, rest == ["suppressed"], at


@cache
def _sources(name: str) -> tuple[Source, ...]:
    text = (CASES / name).read_text("utf-8")
    return tuple(python_sources(name, text) if name.endswith(".py") else [Source(name, text)])


def _statement_lines(name: str) -> list[int]:
    lines = []
    for source in _sources(name):
        for chunk in split_chunks(source.text):
            lines.append(source.locate(chunk.code)[0])
    return lines


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES.glob("*.*")):
        if path.suffix not in (".sql", ".py"):
            continue
        lines = path.read_text("utf-8").splitlines()
        starts = [(i + 1, m.group(1)) for i, ln in enumerate(lines) if (m := _CASE.match(ln))]
        stmt_lines = _statement_lines(path.name)
        for n, (first, name) in enumerate(starts):
            last = starts[n + 1][0] - 1 if n + 1 < len(starts) else len(lines)
            labels = [
                _label(m.group(1), n)
                for n, ln in enumerate(lines[first - 1 : last], first)
                if (m := _EXPECT.match(ln))
            ]
            expected = tuple(sorted((lbl for lbl in labels if lbl is not None), key=_order))
            count = sum(1 for ln in stmt_lines if first <= ln <= last)
            cases.append(Case(path.name, name, first, last, expected, count))
    return cases


@cache
def _linted() -> dict[str, tuple[Finding, ...]]:
    tenants = tenant_tables_from_ddl([CASES / "schema"])
    linter = Linter(tenants)
    out = {}
    for path in sorted(CASES.glob("*.*")):
        if path.suffix in (".sql", ".py"):
            out[path.name] = tuple(linter.lint_file(path.name, list(_sources(path.name))))
    return out


def _order(label: Label) -> tuple[str, str, bool, tuple[int, int]]:
    return (*label[:3], label[3] or (0, 0))


def _actual(case: Case) -> tuple[Label, ...]:
    pinned = any(lbl[3] is not None for lbl in case.expected)
    found = [
        (
            f.rule,
            str(f.object),
            f.suppressed is not None,
            (f.location.line or 0, f.location.column or 0) if pinned else None,
        )
        for f in _linted()[case.file]
        if f.location is not None and case.first <= (f.location.line or 0) <= case.last
    ]
    return tuple(sorted(found, key=_order))


ALL_CASES = load_cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.file}::{c.name}")
def test_case_yields_exactly_its_labels(case: Case) -> None:
    assert _actual(case) == case.expected


def test_suite_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    tp = fp = fn = 0
    for case in ALL_CASES:
        expected, actual = Counter(case.expected), Counter(_actual(case))
        tp += sum((expected & actual).values())
        fp += sum((actual - expected).values())
        fn += sum((expected - actual).values())
    statements = sum(c.statements for c in ALL_CASES)
    violating = sum(1 for c in ALL_CASES if c.expected)
    pinned = sum(1 for c in ALL_CASES for lbl in c.expected if lbl[3] is not None)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    with capsys.disabled():
        print(
            f"\nlint suite: {len(ALL_CASES)} cases ({violating} violating, "
            f"{len(ALL_CASES) - violating} clean), {statements} statements; "
            f"findings TP={tp} FP={fp} FN={fn} ({pinned} at a pinned line:column); "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )
    assert statements >= 100
    assert (fp, fn) == (0, 0)
