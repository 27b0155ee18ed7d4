"""The gate end to end: a baseline run on an unchanged schema passes, one added flaw fails
naming it, an expired suppression fails on its own; suppressed findings stay reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.config import KEYS

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "schemas" / "posture_base"


def audit(capsys, target, schema: Path, out: Path, *args: str) -> tuple[int, str, dict]:
    """One in-process run on the session's server (--dsn plus --schema: a scratch database)."""
    code = main(["--dsn", target.conninfo(), "--schema", str(schema), "--format", "console,json",
                 "--output", str(out), "--no-probes", "--no-plans", *args])  # fmt: skip
    stdout = capsys.readouterr().out
    return code, stdout, json.loads((out / "rls-audit.json").read_text())


def gating(doc: dict) -> set[tuple[str, str]]:
    fail_on = ["info", "low", "medium", "high", "critical"].index(doc["summary"]["fail_on"])
    return {
        (f["rule"], f["object"])
        for f in doc["findings"]
        if f["suppressed"] is None
        and ["info", "low", "medium", "high", "critical"].index(f["severity"]) >= fail_on
    }


def test_baseline_then_one_flaw_then_an_expired_suppression(capsys, rls_target, tmp_path):
    schema = tmp_path / "schema"
    shutil.copytree(FIXTURE, schema)
    # A known, accepted flaw the baseline records: RLS003 (RLS not forced).
    (schema / "0002_known.sql").write_text(
        "ALTER TABLE public.payments NO FORCE ROW LEVEL SECURITY;\n"
    )
    config = tmp_path / "rls-audit.toml"
    config.write_text("probes = false\n" if "probes" in KEYS else "")  # static rules suffice
    baseline = tmp_path / "rls-baseline.json"
    common = ("--config", str(config))

    code, _, doc = audit(capsys, rls_target, schema, tmp_path / "r1", *common,
                         "--write-baseline", str(baseline))  # fmt: skip
    assert code == 0
    recorded = json.loads(baseline.read_text())["findings"]
    assert ("RLS003", "public.payments") in {(e["rule"], e["object"]) for e in recorded}

    code, _, doc = audit(
        capsys, rls_target, schema, tmp_path / "r2", *common, "--baseline", str(baseline)
    )
    assert code == 0, gating(doc)
    assert doc["findings"] and all(
        f["suppressed"] == "in baseline rls-baseline.json" for f in doc["findings"]
    )
    assert doc["summary"]["verdict"] == "pass"

    (schema / "0003_flaw.sql").write_text(
        "ALTER TABLE public.invoices DISABLE ROW LEVEL SECURITY;\n"
    )
    code, stdout, doc = audit(
        capsys, rls_target, schema, tmp_path / "r3", *common, "--baseline", str(baseline)
    )
    assert code == 1
    assert ("RLS001", "public.invoices") in gating(doc)
    assert all(rule != "RLS003" for rule, _ in gating(doc))  # the accepted one stays accepted
    assert "RLS001" in stdout and "public.invoices" in stdout

    (schema / "0003_flaw.sql").unlink()
    config.write_text(
        config.read_text() + '[[suppress]]\nrule = "rls-not-forced"\nobject = "public.payments"\n'
        'reason = "the audit trigger writes as owner"\nexpires = 2020-01-31\n'
    )
    code, _, doc = audit(
        capsys, rls_target, schema, tmp_path / "r4", *common, "--baseline", str(baseline)
    )
    assert code == 1
    assert gating(doc) == {("RLS090", "rls-not-forced on public.payments")}
    expired = next(f for f in doc["findings"] if f["rule"] == "RLS090")
    assert "expired on 2020-01-31" in expired["message"]
    payments = next(
        f for f in doc["findings"] if (f["rule"], f["object"]) == ("RLS003", "public.payments")
    )
    assert payments["suppressed"] == "in baseline rls-baseline.json"  # still reported, still marked
