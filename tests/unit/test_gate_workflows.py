"""The GitHub workflows: valid against GitHub's workflow schema, and doing what the gate
promises. actionlint itself runs in ci.yml's `workflows` job; here it runs only if it is
on PATH (its binary is downloaded from GitHub at install time, which this machine cannot).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
GATE = WORKFLOWS / "rls-gate.yml"
PR = WORKFLOWS / "schema-pr.yml"


def load(path: Path) -> dict:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def steps(doc: dict) -> list[dict]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def test_workflows_match_the_github_workflow_schema():
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (pip install '.[test]')")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_passes_when_installed():
    if shutil.which("actionlint") is None:
        pytest.skip("actionlint is not on PATH (ci.yml's workflows job runs it)")
    proc = subprocess.run(
        ["actionlint", "-ignore", "SC2005:"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_gate_is_reusable_and_its_inputs_are_the_documented_ones():
    doc = load(GATE)
    inputs = doc["on"]["workflow_call"]["inputs"]
    assert {"schema", "fail-on", "baseline", "config", "postgres-image", "install"} <= set(inputs)
    assert inputs["fail-on"]["default"] == "high"
    used = set(re.findall(r"inputs\.([a-z-]+)", GATE.read_text()))
    assert used <= set(inputs), f"undeclared inputs: {used - set(inputs)}"


def test_the_gate_does_what_the_issue_asks():
    doc = load(GATE)
    job = doc["jobs"]["audit"]
    assert job["permissions"]["security-events"] == "write"
    uses = [s.get("uses", "") for s in steps(doc)]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps(doc))
    assert "--backend docker" in runs
    assert 'rls-audit diff "$BASE_DIR" "$SCHEMA"' in runs
    assert "--write-baseline" in runs and '--baseline "$BASELINE_FILE"' in runs
    assert 'cat reports/rls-audit.md >> "$GITHUB_STEP_SUMMARY"' in runs
    assert "exit 1" in runs.split("name: Gate")[-1]


def test_no_expression_is_spliced_into_a_shell_script():
    """Inputs reach scripts through env: a schema path cannot inject shell code."""
    for path in (GATE, PR):
        for step in steps(load(path)):
            assert "${{" not in step.get("run", ""), step


def test_every_action_is_pinned_to_a_release():
    for path in WORKFLOWS.glob("*.yml"):
        for step in steps(load(path)):
            if "uses" in step and not step["uses"].startswith("./"):
                assert re.search(r"@v\d+", step["uses"]), step["uses"]


def test_a_schema_pull_request_runs_the_gate_on_schema():
    doc = load(PR)
    assert "schema/**" in doc["on"]["pull_request"]["paths"]
    job = doc["jobs"]["rls-gate"]
    assert job["uses"] == "./.github/workflows/rls-gate.yml"
    assert job["with"]["schema"] == "schema" and job["with"]["fail-on"] == "high"
    assert job["permissions"]["security-events"] == "write"


def test_ci_lints_the_workflows():
    runs = [s.get("run", "") for s in load(WORKFLOWS / "ci.yml")["jobs"]["workflows"]["steps"]]
    assert any(r.startswith("actionlint") for r in runs)
