"""HTML, JUnit and Markdown: what each must contain, beyond the golden files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import unescape

import pytest
from test_report_sample import RLS001, ROOT, clean_result, sample_result

from harness.findings import ObjectRef
from harness.report import render
from harness.report.html import CSP, mark_reference
from harness.report.markdown import LIMIT


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_html_is_self_contained_and_escapes_what_it_shows():
    html = render("html", sample_result())
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp and unescape(csp.group(1)) == CSP
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", html, re.I)
    assert re.search(r"@import|url\(", html) is None
    assert "<script>alert(1)" not in html
    assert "canary &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # ours, inline


def test_html_has_every_section_and_the_evidence_kinds():
    html = render("html", sample_result())
    for anchor in (
        "summary",
        "findings",
        "matrix",
        "tables",
        "functions",
        "lint",
        "controls",
        "signoff",
    ):
        assert f'id="{anchor}"' in html
    assert "SUBPLAN 1: Result".lower() in html.lower()  # the plan tree
    assert "FROM <mark>users</mark> WHERE" in html  # the lint reference, marked
    assert "SET LOCAL ROLE authenticated;" in html  # the reproducer
    assert "ALTER TABLE public.audit_logs FORCE ROW LEVEL SECURITY;" in html  # the fix
    assert "CREATE POLICY users_tenant ON public.users" in html
    assert "static: from grants" in html
    assert "SOC 2" in html and "A.8.3" in html and "FERPA" in html


def test_html_of_a_run_without_checks_or_lint_says_what_did_not_run():
    result = clean_result()
    result.checks = []
    html = render("html", result)
    assert 'id="no-checks"' in html
    assert 'id="lint-not-run"' in html
    assert "none: no probe ran" in html
    assert "not assessed" in html


def test_html_of_a_result_without_catalog_still_renders():
    result = sample_result(schema=None)
    result.catalog = None
    html = render("html", result)
    assert "the access matrix could not be derived" in html


def test_pass_and_fail_differ_at_first_glance():
    failed, passed = render("html", sample_result()), render("html", clean_result())
    assert '<header class="verdict fail"' in failed and ">FAIL</div>" in failed
    assert '<header class="verdict pass"' in passed and ">PASS</div>" in passed


def test_mark_reference_by_span_or_by_name():
    sql = "select * from users u join user_roles r using (id)"
    assert mark_reference(sql, {"span": [14, 19]})[1] == ("users", True)
    marked = [t for t, hit in mark_reference(sql, {"reference": "users"}) if hit]
    assert marked == ["users"]  # not the `user` of user_roles


def test_junit_failures_follow_the_gate():
    root = ET.fromstring(render("junit", sample_result()))
    assert root.attrib["tests"] == "7"
    assert (root.attrib["failures"], root.attrib["errors"], root.attrib["skipped"]) == (
        "4",
        "1",
        "1",
    )
    cases = {c.attrib["classname"]: c for c in root.iter("testcase")}
    failure = cases["rls-audit.probe.RLS101"].find("failure")
    assert "SET LOCAL ROLE authenticated;" in failure.text  # the evidence travels
    assert cases["rls-audit.static.RLS001"].attrib["line"] == "15"
    assert cases["rls-audit.probe.RLS102"].find("error").attrib["type"] == "inconclusive"
    below = cases["rls-audit.plan.RLS201"]
    assert below.find("failure") is None and "below the gate" in below.find("system-out").text


def test_junit_of_a_clean_run_has_one_passing_case_per_check():
    root = ET.fromstring(render("junit", clean_result()))
    assert root.attrib["tests"] == "7" and root.attrib["failures"] == "0"


def test_markdown_stays_under_the_comment_limit_with_many_findings():
    result = sample_result()
    f = result.findings[0]
    result.findings = [
        replace(
            f,
            object=ObjectRef("table", "public", f"t{i}"),
            fingerprint=f"{i:032x}",
            message="x" * 200 + " | <b>",
        )
        for i in range(2_000)
    ]
    text = render("md", result)
    assert len(text) < LIMIT + 2_000
    assert "more (see the HTML report)" in text
    assert "\\| &lt;b&gt;" in text


def test_markdown_says_when_no_check_ran():
    result = clean_result()
    result.checks = []
    assert "No checks ran: nothing was verified." in render("md", result)
    assert RLS001.id not in render("md", result)


def test_junit_of_a_run_that_checked_nothing_has_one_skipped_case():
    result = clean_result()
    result.checks = []
    root = ET.fromstring(render("junit", result))
    assert (root.attrib["tests"], root.attrib["skipped"]) == ("1", "1")
    assert root.find("testsuite/testcase/skipped").attrib["message"].startswith("no checks ran")


def test_a_pass_without_any_check_is_not_shown_as_a_green_pass():
    result = clean_result()
    result.checks = []
    html = render("html", result)
    assert '<header class="verdict unverified"' in html
    assert '<div class="badge">UNVERIFIED</div>' in html
