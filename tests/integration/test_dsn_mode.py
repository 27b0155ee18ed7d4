"""Against an existing server the audit reads in place, or loads into a scratch database,
and leaves no database behind either way."""

from __future__ import annotations

import json

import psycopg
import pytest

from harness.cli import main

pytestmark = pytest.mark.integration


def databases(target) -> set[str]:
    with psycopg.connect(target.conninfo(), autocommit=True) as conn:
        return {r[0] for r in conn.execute("select datname from pg_database")}


def test_dsn_audits_the_database_in_place(rls_target, rls_template, rls_clone_factory, tmp_path):
    conn = rls_clone_factory(rls_template)
    dbname = conn.info.dbname
    before = databases(rls_target)
    code = main(
        [
            "--dsn",
            rls_target.conninfo(dbname),
            "--format",
            "json",
            "--output",
            str(tmp_path),
            "--quiet",
            "--no-probes",
            "--no-plans",
        ]
    )
    assert code in (0, 1)
    doc = json.loads((tmp_path / "rls-audit.json").read_text())
    assert doc["target"]["backend"] == "dsn"
    assert doc["target"]["database"] == dbname
    assert doc["target"]["schema"] is None
    assert doc["summary"]["tenant_tables"] >= 12
    assert databases(rls_target) == before


def test_dsn_with_schema_loads_into_a_scratch_database_and_drops_it(
    rls_target, repo_root, tmp_path
):
    before = databases(rls_target)
    code = main(
        [
            "--dsn",
            rls_target.conninfo(),
            "--schema",
            str(repo_root / "schema"),
            "--format",
            "json",
            "--output",
            str(tmp_path),
            "--quiet",
            "--no-probes",
            "--no-plans",
        ]
    )
    assert code in (0, 1)
    doc = json.loads((tmp_path / "rls-audit.json").read_text())
    assert doc["target"]["database"].startswith("rls_audit_run_")
    assert doc["summary"]["tenant_tables"] >= 12
    assert databases(rls_target) == before
