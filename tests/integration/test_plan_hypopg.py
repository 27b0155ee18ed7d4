"""hypopg evidence: a finding that suggests an index carries the plan with that index,
created hypothetically (nothing written), and its cost before and after."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.plans import run_plan_stage

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def _available(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg')"
    ).fetchone()
    return bool(row and row[0])


@pytest.fixture
def missing_index(rls_template_factory, rls_clone_factory) -> psycopg.Connection:
    conn = rls_clone_factory(rls_template_factory(SCHEMAS / "plan_missing_tenant_index"))
    if not _available(conn):
        pytest.skip("hypopg is not installed on this server (Debian: postgresql-15-hypopg)")
    return conn


def _stage(conn: psycopg.Connection, *, ephemeral: bool = True):
    return run_plan_stage(
        conn, load_catalog(conn), ephemeral=ephemeral, seed=7, rows=12_000, timing_runs=1
    )


def test_suggested_index_comes_with_its_hypothetical_plan(missing_index) -> None:
    result = _stage(missing_index)
    rls201 = next(f for f in result.findings if f.rule == "RLS201")
    assert rls201.remediation.fix_sql.startswith(
        'CREATE INDEX CONCURRENTLY ON "public"."tasks" ("tenant_id", "created_at")'
    )
    hypothetical = rls201.evidence.plan["with_suggested_index"]
    assert hypothetical["index"] == ('CREATE INDEX ON "public"."tasks" ("tenant_id", "created_at")')
    assert "Seq Scan on tasks" in rls201.evidence.plan["tree"]
    assert "Seq Scan" not in hypothetical["tree"]
    assert "tenant_id_created_at" in hypothetical["tree"]
    assert hypothetical["cost_after"] < hypothetical["cost_before"]
    # hypothetical only: the index does not exist afterwards
    assert (
        missing_index.execute(
            "SELECT count(*) FROM pg_catalog.pg_indexes WHERE tablename = 'tasks'"
        ).fetchone()[0]
        == 1
    )


def test_live_database_without_hypopg_gets_no_extension(missing_index) -> None:
    """Against --dsn the extension is used only where it is already installed."""
    _stage(missing_index, ephemeral=False)
    installed = missing_index.execute(
        "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'hypopg'"
    ).fetchone()[0]
    assert installed == 0
