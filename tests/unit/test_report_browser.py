"""The HTML report in a real browser: headless Chromium (Debian's package, installed by
.ci/run) loads the file, runs its script, and must not send a single request.

Requests are read from Chromium's own network log: the browser makes some of its own
(time sync, accounts), so only requests of the page (its network isolation key is the
file:// origin) count. A control page with a remote image proves the log sees them.
Screenshots go to a temporary directory, never into the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from contextlib import chdir
from pathlib import Path

import pytest
from test_report_sample import ROOT, clean_result, sample_result

from harness.report import render

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium; .ci/run does)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for, from a --log-net-log file."""
    log = json.loads(netlog.read_text("utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] == start_job and "file://" in params.get("network_isolation_key", ""):
            urls.append(params["url"])
    return urls


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    with chdir(ROOT):  # schema locations are relative to the working directory
        (tmp / "fail.html").write_text(render("html", sample_result()), "utf-8")
        (tmp / "pass.html").write_text(render("html", clean_result()), "utf-8")
    (tmp / "control.html").write_text(
        '<!doctype html><img src="http://127.0.0.1:9/leak.png"><p>control</p>', "utf-8"
    )
    return tmp


def test_the_report_renders_runs_its_script_and_sends_no_request(pages):
    netlog = pages / "net.json"
    dom = chromium(pages, (pages / "fail.html").as_uri(), "--dump-dom", f"--log-net-log={netlog}")
    html = dom.stdout
    assert 'data-ready="1"' in html  # the inline script ran under the CSP
    assert '<span class="muted" id="f-count">7 shown</span>' in html
    assert '<div class="badge">FAIL</div>' in html
    assert "RLS101" in html and "public.tenant_statistics" in html
    assert "FROM <mark>users</mark> WHERE" in html
    assert "<script>alert(1)" not in html  # evidence stays text
    assert page_requests(netlog) == []


def test_the_network_log_does_see_a_request_of_the_page(pages):
    netlog = pages / "control.json"
    chromium(pages, (pages / "control.html").as_uri(), "--dump-dom", f"--log-net-log={netlog}")
    assert page_requests(netlog) == ["http://127.0.0.1:9/leak.png"]


def test_filters_preset_by_the_link_hide_other_findings(pages):
    url = (pages / "fail.html").as_uri() + "#filter:table=public.users&severity=high,medium"
    html = chromium(pages, url, "--dump-dom").stdout
    assert '<span class="muted" id="f-count">2 shown</span>' in html  # RLS020 and RLS201
    assert 'data-rel="public.audit_logs" hidden=""' in html


def test_screenshots_of_pass_and_fail_are_written_outside_the_repository(pages):
    for name in ("pass", "fail"):
        shot = pages / f"{name}.png"
        chromium(
            pages,
            (pages / f"{name}.html").as_uri(),
            f"--screenshot={shot}",
            "--window-size=1280,900",
        )
        assert shot.stat().st_size > 10_000
        assert ROOT not in shot.parents
