"""A partial report says it is partial in every format, and a report file is never half
written: the previous one stays, or the new one replaces it whole."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
from test_report_sample import ROOT, sample_result

from harness.report import FILE_NAMES, render, terminal_output, write_reports

REASON = "probes: connection lost (server closed the connection unexpectedly)"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def partial():
    result = sample_result()
    result.run.incomplete = [REASON + "; later stages did not run"]
    return result


def test_json_lists_what_did_not_run_and_says_incomplete():
    doc = json.loads(render("json", partial()))
    assert doc["run"] == {"complete": False, "incomplete": [REASON + "; later stages did not run"]}
    assert doc["summary"]["verdict"] == "incomplete"
    complete = json.loads(render("json", sample_result()))
    assert complete["run"] == {"complete": True, "incomplete": []}
    assert complete["summary"]["verdict"] in ("pass", "fail")


def test_every_other_format_marks_the_report_incomplete():
    result = partial()
    html = render("html", result)
    assert 'class="verdict incomplete"' in html and 'id="incomplete"' in html
    assert "server closed the connection unexpectedly" in html
    md = render("md", result)
    assert md.startswith("## ⚠️ rls-audit: INCOMPLETE") and REASON in md
    sarif = json.loads(render("sarif", result))
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert REASON in invocation["toolExecutionNotifications"][0]["message"]["text"]
    root = ET.fromstring(render("junit", result))
    suite = root.find("testsuite[@name='rls-audit.incomplete']")
    assert suite is not None and suite.get("errors") == "1"
    console = terminal_output(result, ("console",), [], environ={})
    assert f"incomplete: {REASON}" in console and "\nINCOMPLETE: " in console
    github = render("github", result)
    assert github.startswith("::error title=rls-audit incomplete::probes")


def test_complete_reports_carry_no_incomplete_marking():
    result = sample_result()
    assert 'id="incomplete"' not in render("html", result)
    assert "INCOMPLETE" not in render("md", result)
    assert json.loads(render("sarif", result))["runs"][0]["invocations"][0]["executionSuccessful"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_an_interrupted_write_keeps_the_old_report_and_no_temporary_file(
    tmp_path, monkeypatch, interrupt
):
    written = write_reports(sample_result(), ("json", "md"), tmp_path)
    before = {p.name: p.read_bytes() for p in written}

    def fail(src, dst):
        raise interrupt("stopped while renaming")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(interrupt):
        write_reports(partial(), ("json", "md"), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_failing_render_writes_nothing(tmp_path, monkeypatch):
    from harness.report import markdown

    def boom(result):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(markdown, "render", boom)
    with pytest.raises(RuntimeError):
        write_reports(partial(), ("json", "md"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAMES["json"]]
    assert json.loads((tmp_path / FILE_NAMES["json"]).read_text())["run"]["complete"] is False


def test_reports_are_readable_like_any_file_the_user_writes(tmp_path):
    (path,) = write_reports(sample_result(), ("json",), tmp_path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
