"""`rls-audit snapshot` and `rls-audit diff` on real catalogs: the fixture pair
tests/schemas/posture_base -> posture_head changes one thing per object, and
posture_head/posture_diff.json says how each change must be classified, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.config import resolve
from harness.posture import PostureReader, diff, parse_side
from harness.target.select import availability

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "schemas" / "posture_base"
HEAD = ROOT / "tests" / "schemas" / "posture_head"


def expected(server_version_num: int) -> set[tuple[str, str, str]]:
    data = json.loads((HEAD / "posture_diff.json").read_text())
    found = {tuple(c) for c in data["changes"]}
    for since, changes in data.get("changes_since", {}).items():
        if server_version_num >= int(since):
            found |= {tuple(c) for c in changes}
    return found  # type: ignore[return-value]


@pytest.fixture
def sides(rls_target, rls_template_factory, rls_clone_factory) -> tuple[str, str]:
    """DSNs of fresh clones of the base and head fixtures (per-database objects only, so
    they can share the session's server)."""
    out = []
    for schema in (BASE, HEAD):
        conn = rls_clone_factory(rls_template_factory(schema))
        out.append(rls_target.conninfo(conn.info.dbname))
    return out[0], out[1]


def test_each_fixture_change_gets_its_class(rls_target, sides):
    config = resolve({}, environ={})
    reader = PostureReader(config)
    result = diff(reader.read(parse_side(sides[0])), reader.read(parse_side(sides[1])))
    found = {(c.klass.value, c.kind, c.object) for c in result.changes}
    assert found == expected(rls_target.server_version_num)
    assert {c.klass.value for c in result.changes} == {
        "safe",
        "needs review",
        "breaking",
        "dangerous",
    }
    why = {c.object: c.why for c in result.changes if c.klass.value == "dangerous"}
    assert why["public.invoices"].startswith("RLS disabled")
    assert why["public.payments"].startswith("FORCE ROW LEVEL SECURITY dropped")
    assert why["notes_tenant on public.notes"] == "USING widened: OR shared added"
    assert why["tasks_select on public.tasks"].startswith("applies to more roles (+anon)")
    assert why["SELECT on public.reports to anon"].startswith("grant to API role anon")
    assert why["EXECUTE on public.tenant_report() to authenticated"].startswith(
        "SECURITY DEFINER function exposed"
    )


def test_snapshot_file_against_a_dsn_on_the_command_line(capsys, tmp_path, sides):
    snap = tmp_path / "base.json"
    assert main(["snapshot", sides[0], "--output", str(snap)]) == 0
    doc = json.loads(snap.read_text())
    assert doc["kind"] == "rls-audit-posture" and "public.invoices" in doc["tables"]
    assert "password" not in snap.read_text()

    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    assert main(["diff", str(snap), str(snap)]) == 0
    assert "no change" in capsys.readouterr().out
    code = main(["diff", str(snap), sides[1], "--format", "json", "--summary", str(summary),
                 "--fail-on", "dangerous"])  # fmt: skip
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["base"] == str(snap) and out["summary"]["dangerous"] == 7
    assert summary.read_text().startswith("# earlier step\n## 🛑 Security posture")
    assert main(["diff", str(snap), sides[1], "--fail-on", "never"]) == 2


@pytest.mark.slow
def test_schema_directories_are_loaded_on_servers_of_their_own(capsys):
    if availability()["local"] is not None:
        pytest.skip(f"local backend unavailable: {availability()['local']}")
    code = main(["diff", str(BASE), str(HEAD), "--backend", "local", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    found = {(c["class"], c["kind"], c["object"]) for c in out["changes"]}
    assert ("dangerous", "table", "public.invoices") in found
    assert ("safe", "table", "public.labels") in found
