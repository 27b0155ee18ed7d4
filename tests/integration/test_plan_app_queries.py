"""Application statements in the plan stage (bound as each tenant, judged by the same
checks, skipped with a reason when they cannot be bound) and timeouts as faults."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.db import ContextSpec
from harness.findings.model import Outcome
from harness.plans import run_plan_stage
from harness.plans.model import PlanStageResult

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
BOUND = "SELECT * FROM tasks WHERE tenant_id = $1 AND status = 'open'"
UNBOUND = "SELECT * FROM public.projects p WHERE p.tenant_id = %(tid)s AND p.name = :name"
QUERIES = [
    (BOUND, "app/tasks.sql:3:1"),
    (UNBOUND, "app/projects.py:10:14"),
    ("SELECT 1", "app/misc.sql:1:1"),
    ("SELEC broken (", "app/misc.sql:2:1"),
]


@pytest.fixture
def conn(rls_template_factory, rls_clone_factory) -> psycopg.Connection:
    return rls_clone_factory(rls_template_factory(SCHEMAS / "plan_missing_tenant_index"))


def stage(
    conn: psycopg.Connection, *, ephemeral: bool = True, catalog=None, **kw
) -> PlanStageResult:
    catalog = catalog or load_catalog(conn)
    return run_plan_stage(
        conn, catalog, ephemeral=ephemeral, seed=7, rows=12_000, timing_runs=1, **kw
    )


def test_app_statements_are_explained_as_every_tenant_and_judged(conn) -> None:
    result = stage(conn, app_queries=QUERIES)
    app = [r for r in result.plans if r.query == "app"]
    tasks = [r for r in app if r.table == "public.tasks"]
    assert {r.tenant.size_class for r in tasks} == {"large", "medium", "small"}
    assert all(r.error is None and r.location == "app/tasks.sql:3:1" for r in tasks)
    assert all(f"tenant_id = '{r.tenant.tenant}'" in r.sql for r in tasks)
    assert all(r.analyzed and r.baseline_sql for r in tasks)
    rls201 = next(f for f in result.findings if f.rule == "RLS201")
    assert "app" in rls201.evidence.details["queries"]  # the same check judged it
    skipped = {(s.location, s.table): s.reason for s in result.skipped}
    assert skipped[("app/misc.sql:2:1", None)].startswith("not parsed")
    projects = [r for r in app if r.table == "public.projects"]
    if conn.info.server_version >= 160000:  # the other parameter: a generic plan
        assert projects and all(not r.analyzed and "$1" in r.sql for r in projects)
    else:
        assert projects == []
        reason = skipped[("app/projects.py:10:14", "public.projects")]
        assert ":name is not compared with tenant_id" in reason
    assert {r.table for r in app} <= {"public.tasks", "public.projects"}  # SELECT 1: none
    assert result.summary()["skipped_queries"]


def test_a_lock_timeout_skips_the_table_as_a_fault_not_a_pass(conn, rls_target) -> None:
    stage(conn)  # generated rows, committed
    catalog = load_catalog(conn)  # reading the catalog waits for locks itself
    with psycopg.connect(conn.info.dsn) as holder:  # a migration holding the table
        holder.execute("SET lock_timeout = '60s'")
        holder.execute("LOCK TABLE public.tasks IN ACCESS EXCLUSIVE MODE")
        conn.execute("SET lock_timeout = '30s'")  # a test that cannot hang
        live = stage(conn, ephemeral=False, catalog=catalog)
    assert live.faults == ["plans on public.tasks skipped: lock timeout"]
    tasks = [f for f in live.findings if str(f.object) == "public.tasks"]
    assert [(f.rule, f.outcome) for f in tasks] == [("RLS200", Outcome.INCONCLUSIVE)]
    assert "lock timeout" in tasks[0].message
    assert all(r.error is None for r in live.plans if r.table == "public.projects")
    assert live.summary()["faults"] == live.faults


def test_the_audits_context_spec_acts_through_the_shared_actor(conn) -> None:
    """With the audit's ContextSpec the tenant is set by harness.db.as_actor: the policy
    sees each tenant's rows (the scan returns them), and the verdicts are the same."""
    spec = ContextSpec(mode="guc", guc="app.current_tenant_id")
    result = stage(conn, context=spec)
    assert {(f.rule, str(f.object)) for f in result.findings} == {("RLS201", "public.tasks")}
    count = next(
        r
        for r in result.plans
        if r.table == "public.tasks" and r.query == "count" and r.tenant.size_class == "large"
    )
    scans = [n for n in count.plan.walk() if n.relation == "tasks"]
    assert scans and scans[0].actual_rows == count.tenant.rows > 0


def test_a_lost_connection_propagates(conn) -> None:
    """Not a fault to carry on after: the stage stops with the driver's error."""
    conn.execute(
        "CREATE FUNCTION public.hang_up() RETURNS boolean LANGUAGE plpgsql VOLATILE"
        " SECURITY DEFINER AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid());"
        " RETURN true; END $$"
    )
    conn.execute("GRANT EXECUTE ON FUNCTION public.hang_up() TO authenticated")
    query = "SELECT * FROM tasks WHERE tenant_id = $1 AND public.hang_up()"
    with pytest.raises(psycopg.OperationalError):
        stage(conn, app_queries=[(query, "app/x.sql:1:1")])
    assert conn.closed or conn.broken
