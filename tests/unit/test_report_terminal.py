"""The terminal: live progress, the summary table, and GitHub annotations on stdout."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from test_report_sample import ROOT, sample_result

from harness.config import FORMATS, resolve
from harness.report import FILE_NAMES, STREAMS, render, terminal_output
from harness.report.github import render as annotations
from harness.report.progress import ProgressView


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_every_configurable_format_has_a_reporter():
    assert set(FORMATS) == set(FILE_NAMES) | set(STREAMS)
    assert resolve({"formats": "html,json,sarif,junit,md"}).formats == (
        "html",
        "json",
        "sarif",
        "junit",
        "md",
    )


def test_plain_progress_prints_one_line_per_phase_and_milestones():
    out, clock = io.StringIO(), Clock()
    view = ProgressView(out, live=False, clock=clock)
    view("starting backend local")
    clock.now = 1.5
    for i in range(1, 9):
        view("running static checks", done=i, total=8)
    view.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "[   0.0s] starting backend local"
    assert lines[1] == "[   1.5s] running static checks"
    assert lines[2:] == ["[   1.5s]   2/8", "[   1.5s]   4/8", "[   1.5s]   6/8", "[   1.5s]   8/8"]
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_live_progress_redraws_in_place_and_leaves_finished_phases():
    out, clock = io.StringIO(), Clock()
    with ProgressView(out, live=True, clock=clock, tick=0) as view:
        view("loading schema schema")
        clock.now = 1.2
        view("running static checks", done=3, total=12)
        clock.now = 2.0
    text = out.getvalue()
    assert "✓ loading schema schema (1.2s)\n" in text
    assert "[█████░░░░░░░░░░░░░░░] 3/12  1.2s" in text
    assert text.endswith("✓ running static checks 3/12 (0.8s)\n")


def test_a_failed_phase_is_marked_and_quiet_prints_nothing():
    out = io.StringIO()
    with pytest.raises(RuntimeError), ProgressView(out, live=True, tick=0) as view:
        view("loading schema")
        raise RuntimeError
    assert "✗ loading schema" in out.getvalue()
    quiet = io.StringIO()
    with ProgressView(quiet, enabled=False) as view:
        view("anything", 1, 2)
    assert quiet.getvalue() == ""


def test_console_summary_has_the_table_the_verdict_and_the_report_paths():
    text = terminal_output(sample_result(), ("console",), [ROOT / "r.html"], environ={})
    assert "  severity  static  probe  plan  lint  total" in text
    assert "FAIL: 2 critical, 3 high, 1 medium; gate at high (5 at or above)" in text
    assert text.endswith(f"report: {ROOT / 'r.html'}\n")
    assert "\x1b[" not in text
    colored = terminal_output(sample_result(), ("console",), [], tty=True, environ={})
    assert "\x1b[1;31mFAIL\x1b[0m" in colored
    assert "\x1b[" not in terminal_output(
        sample_result(), ("console",), [], tty=True, environ={"NO_COLOR": "1"}
    )


def test_quiet_and_json_only_runs_print_no_summary():
    assert terminal_output(sample_result(), ("console", "json"), [], quiet=True, environ={}) == ""
    assert terminal_output(sample_result(), ("json",), [], environ={}) == ""


def test_github_annotations_switch_on_under_github_actions():
    env = {"GITHUB_ACTIONS": "true"}
    text = terminal_output(sample_result(), ("json",), [], quiet=True, environ=env)
    lines = text.splitlines()
    assert len(lines) == 6  # every unsuppressed finding
    assert lines[0].startswith(
        "::error file=tests/snapshots/sample_schema/0001_sample.sql,line=15,"
        "title=RLS001 rls-disabled (critical)::public.audit_logs: "
    )
    assert any(line.startswith("::warning ") for line in lines)
    assert text == render("github", sample_result())


def test_annotation_text_is_escaped():
    result = sample_result()
    result.findings = [replace(result.findings[0], message="100% bad\nsecond line", name="a,b:c")]
    line = annotations(result).strip()
    assert "title=RLS001 a%2Cb%3Ac (critical)::" in line
    assert line.endswith(
        "100%25 bad%0Asecond line%0AEnable and force row-level security, "
        "then add a policy per command."
    )
