"""Query lint against a real database: the catalog's views and functions, and --dsn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.catalog import load_catalog
from harness.lint import TenantTables, lint_catalog
from harness.lint.cli import main

pytestmark = pytest.mark.integration

STATS = "materialized view public.tenant_statistics"


def test_bundled_schema_as_the_server_stores_it(rls_conn):
    """pg_get_viewdef and prosrc text, not the migration files: same verdict. Only the
    platform statistics view reads tenant tables across tenants."""
    catalog = load_catalog(rls_conn)
    tenants = TenantTables.from_catalog(catalog)
    assert len(tenants) == 16
    got = sorted((f.rule, str(f.object), f.location.path) for f in lint_catalog(catalog))
    assert got == [("RLS301", "public.branches", STATS), ("RLS301", "public.users", STATS)]


def test_cli_with_dsn_lints_files_and_the_database(rls_conn, tmp_path: Path, capsys):
    app = tmp_path / "app.sql"
    app.write_text("SELECT * FROM public.grades WHERE id = $1;\n")
    assert main([str(app), "--dsn", rls_conn.info.dsn, "--format", "json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    objects = sorted((f["object"], (f["location"] or {}).get("path")) for f in doc["findings"])
    assert ("public.grades", str(app)) in objects
    assert ("public.users", STATS) in objects
    assert doc["target"]["tenant_tables_from"].startswith("database ")
    notes = [ln for ln in captured.err.splitlines() if "pg_stat_statements" in ln]
    assert len(notes) <= 1 and all(ln.startswith("rls-audit: note: ") for ln in notes)
