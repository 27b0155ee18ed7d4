"""`pytest --rls-probes`: every probe is a test item, spread over pytest-xdist workers,
and the items that fail are exactly the probes that find the fixture's flaws."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.probes import get_probes

pytestmark = pytest.mark.integration
FIXTURE = Path(__file__).resolve().parents[1] / "schemas" / "probe_org_jwt"


def test_probes_run_as_items_over_xdist_workers(tmp_path: Path, rls_backend: str) -> None:
    pytest.importorskip("xdist")
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-rf",
            "--rls-probes", "--rls-backend", rls_backend, "--rls-schema", str(FIXTURE),
            "--rls-tenant-column", "org_id", "--rls-context", "jwt",
            "--rls-jwt-claim", "app_metadata.org_id", "--rls-tenants", "4"]  # fmt: skip
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    items = len(get_probes())
    if re.search(rf"\b{items} skipped\b", proc.stdout):  # the items skip when it cannot start
        pytest.skip(f"backend {rls_backend} unavailable")
    failed = set(re.findall(r"^FAILED \S*::(RLS1\d\d)-", proc.stdout, re.MULTILINE))
    flaws = json.loads((FIXTURE / "expected.json").read_text())["flaws"]
    assert failed == {rule for found in flaws.values() for rule, _ in found}, proc.stdout[-3000:]
    tally = rf"\b{len(failed)} failed, {items - len(failed)} passed\b"
    assert re.search(tally, proc.stdout), proc.stdout[-3000:]
    assert "reproducer:" in proc.stdout and "request.jwt.claims" in proc.stdout
