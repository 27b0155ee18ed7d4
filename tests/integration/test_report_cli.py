"""The reports end to end: the real CLI audits the SPEC-009-as-written fixture and the
hardened schema and writes all five report files; the two differ at first glance."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.report import FILE_NAMES
from harness.target.select import availability

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FORMATS = "html,json,sarif,junit,md"
SCHEMAS = {"flawed": "tests/schemas/spec009_as_written", "hardened": "schema"}


def _backend() -> str:
    usable = [name for name, why in availability().items() if why is None and name != "docker"]
    if not usable:
        pytest.skip(f"no local or embedded PostgreSQL here: {availability()}")
    return usable[0]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """Both audits, run side by side (each starts its own throwaway server)."""
    backend = _backend()
    out = {name: tmp_path_factory.mktemp(name) for name in SCHEMAS}
    procs = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness",
                "--schema",
                schema,
                "--backend",
                backend,
                "--format",
                FORMATS,
                "--output",
                str(out[name]),
                "--plan-rows",
                "5000",
                "--quiet",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, schema in SCHEMAS.items()
    }
    for name, proc in procs.items():
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1), f"{name}: exit {proc.returncode}: {stderr}"
        assert "Traceback" not in stderr
    return out


def test_one_run_writes_all_five_reports(reports):
    for directory in reports.values():
        written = sorted(p.name for p in directory.iterdir())
        assert written == sorted(FILE_NAMES.values())
        assert all((directory / name).stat().st_size > 0 for name in written)


def test_the_files_parse_and_agree(reports):
    d = reports["flawed"]
    summary = json.loads((d / "rls-audit.json").read_text())["summary"]
    sarif = json.loads((d / "rls-audit.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == summary["total"] + summary["suppressed"]
    junit = ET.fromstring((d / "rls-audit.junit.xml").read_text())
    assert junit.tag == "testsuites"
    md = (d / "rls-audit.md").read_text()
    assert md.startswith("## ✅ rls-audit: PASS" if summary["verdict"] == "pass" else "## ❌")
    html = (d / "rls-audit.html").read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)


def test_sarif_of_the_flawed_schema_validates(reports):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")
    schema = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())
    doc = json.loads((reports["flawed"] / "rls-audit.sarif").read_text())
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert errors == []


def _posture(html: str) -> list[str]:
    block = html.split('id="posture"', 1)[1].split("</div>\n</div>", 1)[0]
    return re.findall(r"<b>(\d+ / \d+)</b>", block)


def test_flawed_and_hardened_reports_differ_at_first_glance(reports):
    flawed = (reports["flawed"] / "rls-audit.html").read_text()
    hardened = (reports["hardened"] / "rls-audit.html").read_text()
    # The posture strip under the verdict comes from the catalog alone.
    assert _posture(flawed)[0] == "2 / 5"  # tenant tables without RLS
    assert _posture(hardened)[0] == "0 / 15"
    assert int(_posture(flawed)[3].split(" / ")[0]) > 0  # matrix cells reaching B's rows
    assert _posture(hardened)[3].startswith("0 / ")
    summaries = {
        name: json.loads((d / "rls-audit.json").read_text())["summary"]
        for name, d in reports.items()
    }
    if summaries["flawed"]["checks_run"]:  # once static rules exist, the verdicts differ
        assert summaries["flawed"]["verdict"] == "fail"
        assert summaries["hardened"]["verdict"] == "pass"
        assert '<header class="verdict fail"' in flawed
        assert '<header class="verdict pass"' in hardened
