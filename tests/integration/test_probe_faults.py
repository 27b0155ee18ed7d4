"""Faults in the probe stage: a table another session keeps locked is inconclusive (never
denied, never a pass) while every other table is still probed; a lost connection is
raised, not judged."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness import db
from harness.catalog import load_catalog
from harness.errors import ConfigError
from harness.findings.model import Outcome
from harness.probes.context import ProbeConfig
from harness.probes.stage import ProbeResult, probe_config, run_probes

pytestmark = pytest.mark.integration
LOCKED = "public.grades"
AS_WRITTEN = Path(__file__).resolve().parents[1] / "schemas" / "spec009_as_written"


def dsn_of(conn: psycopg.Connection) -> str:
    info = conn.info
    return f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"


def test_a_locked_table_is_inconclusive_and_the_others_are_probed(
    rls_conn: psycopg.Connection,
) -> None:
    dsn = dsn_of(rls_conn)
    catalog = load_catalog(rls_conn)  # the catalog stage comes first, before the lock
    config = ProbeConfig(tenants=3, adversary="sql", timeouts=db.Timeouts(lock_ms=150))
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("begin")
        holder.execute(f"lock table {LOCKED} in access exclusive mode")
        result: ProbeResult = run_probes(
            lambda: psycopg.connect(dsn, autocommit=True), catalog, config
        )
        holder.execute("rollback")
    assert any(LOCKED in fault and "lock timeout" in fault for fault in result.faults)
    locked = [f for f in result.findings if str(f.object) == LOCKED]
    assert locked and all(f.outcome is Outcome.INCONCLUSIVE for f in locked)
    assert all(f.outcome is Outcome.INCONCLUSIVE for f in result.findings)  # hardened schema
    assert result.matrix.cell(LOCKED, "SELECT", "authenticated") is None
    cell = result.matrix.cell("public.branches", "SELECT", "authenticated")
    assert cell is not None and (cell.own, cell.other) == ("allowed", "denied")
    assert result.matrix.cell("public.students", "UPDATE", "authenticated") is not None
    assert result.stats["rows"] > 50


def test_a_statement_that_meets_a_lock_is_inconclusive_for_that_table_only(
    rls_template_factory, rls_clone_factory
) -> None:
    """Another session writes to tenants (ROW EXCLUSIVE): the population and the reads go
    on, but TRUNCATE waits for the lock. RLS104 is inconclusive for tenants, not denied,
    and still finds every other table truncatable."""
    conn = rls_clone_factory(rls_template_factory(AS_WRITTEN))
    dsn = dsn_of(conn)
    catalog = load_catalog(conn)
    config = ProbeConfig(tenants=3, timeouts=db.Timeouts(lock_ms=150))
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("begin")
        holder.execute("lock table public.tenants in row exclusive mode")
        result = run_probes(
            lambda: psycopg.connect(dsn, autocommit=True), catalog, config, only={"RLS104"}
        )
        holder.execute("rollback")
    assert any("public.tenants" in f and "lock timeout" in f for f in result.faults)
    found = {str(f.object): f for f in result.findings if f.rule == "RLS104"}
    assert found["public.tenants"].outcome is Outcome.INCONCLUSIVE
    assert "55P03" in (found["public.tenants"].evidence.observed or "")
    for table in ("public.users", "public.system_config", "public.audit_logs"):
        assert found[table].outcome is Outcome.FAILED
    for f in found.values():  # inconclusive only where TRUNCATE (or its CASCADE) met tenants
        assert f.outcome is Outcome.FAILED or "lock timeout" in f.message


def test_a_lost_connection_propagates(rls_conn: psycopg.Connection) -> None:
    dsn = dsn_of(rls_conn)
    victims: list[psycopg.Connection] = []

    def factory() -> psycopg.Connection:
        conn = psycopg.connect(dsn, autocommit=True)
        victims.append(conn)
        return conn

    def progress(message: str) -> None:
        if message.startswith("probe RLS101"):
            pid = victims[0].info.backend_pid
            with psycopg.connect(dsn, autocommit=True) as killer:
                killer.execute("select pg_terminate_backend(%s)", (pid,))

    catalog = load_catalog(rls_conn)
    with pytest.raises(psycopg.OperationalError):
        run_probes(factory, catalog, ProbeConfig(tenants=2), progress)


@pytest.mark.parametrize(
    ("given", "ms"),
    [(None, 5000), (250, 250), ("5s", 5000), ("250ms", 250), ("2 min", 120_000), ("40", 40)],
)
def test_probe_config_reads_the_timeouts(given, ms) -> None:
    class Config:
        statement_timeout = given
        lock_timeout = given
        idle_timeout = given

    timeouts = probe_config(Config()).timeouts
    default = db.Timeouts()
    assert timeouts.statement_ms == (default.statement_ms if given is None else ms)
    assert timeouts.lock_ms == (default.lock_ms if given is None else ms)
    assert timeouts.idle_ms == (default.idle_ms if given is None else ms)


def test_a_bad_timeout_is_a_config_error() -> None:
    class Config:
        lock_timeout = "5 fortnights"

    with pytest.raises(ConfigError, match="fortnights"):
        probe_config(Config())
