"""Golden tests: the exact (rule, object) set every static rule yields on each fixture
schema, on every backend; the SPEC-009-as-written flaws are all covered; the bundled
hardened schema yields nothing at or above high.

`tests/schemas/<name>/expected.json` holds the set. To regenerate the sets after a
deliberate change, run with RLS_AUDIT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.audit import run_checks
from harness.catalog import load_catalog
from harness.findings.model import Finding, Severity
from harness.rules import get_rules

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = [
    ROOT / "tests" / "schemas" / name / "expected.json"
    for name in ("bundled_hardened", "spec009_as_written", "org_id_variant")
]

pytestmark = pytest.mark.integration


def _expected(data: dict, server_version: int) -> set[tuple[str, str]]:
    found = {tuple(pair) for pair in data["findings"]}
    for since, pairs in data.get("findings_since", {}).items():
        if server_version >= int(since):
            found.update(tuple(pair) for pair in pairs)
    return found  # type: ignore[return-value]


def _audit(rls_template_factory, rls_clone_factory, path: Path, data: dict) -> list[Finding]:
    schema_dir = ROOT / data["schema_dir"] if "schema_dir" in data else path.parent
    conn = rls_clone_factory(rls_template_factory(schema_dir))
    catalog = load_catalog(conn, tenant_column=data.get("tenant_column", "tenant_id"))
    return run_checks(get_rules(), catalog)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.parent.name for p in GOLDEN])
def test_golden_findings(path: Path, rls_template_factory, rls_clone_factory, rls_target) -> None:
    data = json.loads(path.read_text("utf-8"))
    findings = _audit(rls_template_factory, rls_clone_factory, path, data)
    got = {(f.rule, str(f.object)) for f in findings}
    version = rls_target.server_version_num
    if os.environ.get("RLS_AUDIT_UPDATE_GOLDEN") and version < 170000:
        since = {p for pairs in data.get("findings_since", {}).values() for p in map(tuple, pairs)}
        data["findings"] = sorted(list(p) for p in got - since)
        path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    want = _expected(data, version)
    assert got == want, f"unexpected: {sorted(got - want)}\nmissing: {sorted(want - got)}"
    ceiling = data.get("max_severity")
    if ceiling:
        too_high = [f for f in findings if f.severity.rank > Severity.parse(ceiling).rank]
        assert not too_high, [f"{f.rule} {f.object}: {f.message}" for f in too_high]


def test_as_written_flaws_all_covered() -> None:
    """Every static (or both) flaw of flaws.json, on each of its objects, is reported by
    one of the rules expected.json maps it to, and the golden set holds that finding."""
    base = ROOT / "tests" / "schemas" / "spec009_as_written"
    flaws = json.loads((base / "flaws.json").read_text("utf-8"))
    data = json.loads((base / "expected.json").read_text("utf-8"))
    golden = _expected(data, 0)
    missing = []
    for flaw in flaws:
        if flaw["kind"] not in ("static", "both"):
            continue
        rules = data["flaws"].get(flaw["slug"])
        assert rules, f"expected.json maps no rule to flaw {flaw['slug']}"
        for obj in flaw.get("objects") or [flaw["object"]]:
            want = obj.replace(",", ", ").replace(",  ", ", ")
            if not any((rule, want) in golden for rule in rules):
                missing.append(f"{flaw['slug']}: {want} ({', '.join(rules)})")
    assert not missing, "\n".join(missing)
