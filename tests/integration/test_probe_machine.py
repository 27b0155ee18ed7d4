"""The state machine against a real server: interleaved tenants on a clean table find
nothing; on a table whose read policy is widened, the shrunk sequence is plain SQL that
shows the leak when run by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import db
from harness.catalog import load_catalog
from harness.probes.context import ProbeConfig, ProbeContext
from harness.probes.machine import explore
from harness.probes.population import Populator, make_tenants
from harness.probes.rls114_interleaved_leak import BUDGETS, InterleavedLeak
from harness.probes.runner import Runner
from harness.probes.scope import build_scope

pytestmark = pytest.mark.integration
FIXTURE = Path(__file__).resolve().parents[1] / "schemas" / "probe_org_jwt"
JWT = db.ContextSpec(mode="jwt", claim_path=("app_metadata", "org_id"))


def test_machine_shrinks_a_leak_to_sql_and_passes_clean_tables(
    rls_template_factory, rls_clone_factory
) -> None:
    template = rls_template_factory(FIXTURE)
    conn = rls_clone_factory(template)
    catalog = load_catalog(conn, tenant_column="org_id")
    config = ProbeConfig(context=JWT, tenants=3)
    with db.audit_transaction(conn):
        scope = build_scope(catalog)
        populator = Populator(conn, catalog, scope, make_tenants(3, 0), 0)
        world = populator.run()
        ctx = ProbeContext(conn, catalog, scope, world, config, Runner(conn), populator=populator)
        ctx.take_baseline()
        for clean in ("public.workspaces", "public.invoices"):
            assert explore(ctx, scope.tables[clean], examples=10, steps=6) is None
        found = explore(ctx, scope.tables["public.documents"], examples=10, steps=6)
    assert found is not None and "reads a row of" in found.message
    assert len(found.steps) == 1  # shrunk to the one read that leaks
    victim = found.message.split("reads a row of ")[1].split(" ")[0]
    body = found.reproducer.replace("BEGIN;", "", 1).rsplit("ROLLBACK;", 1)[0]
    fresh = rls_clone_factory(template)
    with fresh.transaction(force_rollback=True):
        cur = fresh.cursor()
        cur.execute(body)
        seen = []
        while True:
            if cur.description is not None:
                seen += cur.fetchall()
            if not cur.nextset():
                break
    assert any(victim in str(row) for row in seen)


# -- RLS114: the machine as a probe of the audit stage --------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _context(conn, tenants: int = 4) -> ProbeContext:
    catalog = load_catalog(conn)
    scope = build_scope(catalog)
    populator = Populator(conn, catalog, scope, make_tenants(tenants, 0), 0)
    world = populator.run()
    ctx = ProbeContext(conn, catalog, scope, world, ProbeConfig(tenants=tenants), Runner(conn))
    ctx.take_baseline()
    return ctx


def test_probe_is_silent_on_the_hardened_schema_and_says_what_it_tried(rls_conn) -> None:
    check = InterleavedLeak()
    with db.audit_transaction(rls_conn):
        ctx = _context(rls_conn)
        assert list(check.check(ctx)) == []
        matrix = ctx.matrix.freeze()
    tried = check.summary()
    budget = BUDGETS["quick"]
    assert tried["tables"] == budget.tables  # the schema has more: a seeded sample of them
    assert tried["sequences"] >= budget.tables and tried["steps"] >= tried["sequences"]
    assert tried["seconds"] < 30
    cell = matrix.cell(check.tried.tables[0], "SELECT", "authenticated")
    assert cell is not None and cell.tries and cell.other == "denied"
    assert not matrix.leaks()
    assert rls_conn.execute("select count(*) from public.tenants").fetchone() == (0,)


def test_probe_fires_on_the_as_written_fixture_with_a_psql_reproducer(
    rls_template_factory, rls_clone_factory
) -> None:
    template = rls_template_factory(ROOT / "tests" / "schemas" / "spec009_as_written")
    conn = rls_clone_factory(template)
    with db.audit_transaction(conn):
        found = list(InterleavedLeak().check(_context(conn)))
    leaked = {str(f.object) for f in found}
    assert leaked >= {"public.platform_subscriptions", "public.audit_logs"}
    f = next(f for f in found if str(f.object) == "public.platform_subscriptions")
    assert f.rule == "RLS114" and f.evidence.details["steps"]
    victim = f.evidence.details["victim"]
    body = f.evidence.reproducer.replace("BEGIN;", "", 1).rsplit("ROLLBACK;", 1)[0]
    fresh = rls_clone_factory(template)
    with fresh.transaction(force_rollback=True):
        cur = fresh.cursor()
        cur.execute(body)
        seen = []
        while True:
            if cur.description is not None:
                seen += cur.fetchall()
            if not cur.nextset():
                break
    assert any(victim in str(row) for row in seen)
