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
