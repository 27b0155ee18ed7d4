"""`rls-audit fix`: the migration written from the findings, applied to the flawed schema,
makes every finding that carried fix_sql disappear, and introduces nothing at or above
high. Also the CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.audit import run_checks
from harness.catalog import load_catalog
from harness.findings.model import Severity
from harness.fix import migration
from harness.rules import get_rules

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ["spec009_as_written", "org_id_variant"]

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", SCHEMAS)
def test_fix_migration_removes_fixed_findings(
    name: str, rls_template_factory, rls_clone_factory, rls_owner_role
) -> None:
    base = ROOT / "tests" / "schemas" / name
    column = json.loads((base / "expected.json").read_text("utf-8"))["tenant_column"]
    conn = rls_clone_factory(rls_template_factory(base))
    before = run_checks(get_rules(), load_catalog(conn, tenant_column=column))
    fixable = {f.fingerprint: f for f in before if f.remediation.fix_sql}
    assert fixable, "no finding carries fix_sql"
    conn.execute(f'SET ROLE "{rls_owner_role}"')
    conn.execute(migration(before))
    conn.execute("RESET ROLE")
    after = run_checks(get_rules(), load_catalog(conn, tenant_column=column))
    left = [f"{f.rule} {f.object}: {f.message}" for f in after if f.fingerprint in fixable]
    assert not left, "fixed findings still reported:\n" + "\n".join(left)
    known = {f.fingerprint for f in before}
    new = [
        f"{f.rule} {f.object}: {f.message}"
        for f in after
        if f.fingerprint not in known and f.severity.at_least(Severity.HIGH)
    ]
    assert not new, "the fix introduced:\n" + "\n".join(new)


def test_cli_fix_writes_migration(tmp_path: Path) -> None:
    out = tmp_path / "fix.sql"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "fix",
            "--schema",
            str(ROOT / "tests" / "schemas" / "spec009_as_written"),
            "--backend",
            "local",
            "--output",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    if proc.returncode == 2 and "backend" in proc.stderr:
        pytest.skip(f"local backend unavailable: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text("utf-8")
    assert text.count("BEGIN;") == 1 and text.rstrip().count("COMMIT;") == 1
    assert 'ALTER TABLE "public"."audit_logs" ENABLE ROW LEVEL SECURITY;' in text
    assert "-- Findings without SQL" in text
