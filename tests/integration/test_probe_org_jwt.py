"""The probes on a schema whose names the harness has never seen: tenant column org_id,
other table names, and the tenant context in a JWT claim read through auth.jwt()."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.config import AuditConfig
from harness.findings.model import Outcome
from harness.probes.stage import ProbeResult, run_probes

pytestmark = pytest.mark.integration
FIXTURE = Path(__file__).resolve().parents[1] / "schemas" / "probe_org_jwt"


def audit_probes(conn: psycopg.Connection) -> ProbeResult:
    """The probe stage as `rls-audit --tenant-column org_id --context jwt` runs it."""
    config = AuditConfig(
        tenant_column="org_id",
        context_mode="jwt",
        jwt_claim_path="app_metadata.org_id",
        probe_tenants=4,
    )
    catalog = load_catalog(conn, tenant_column="org_id")
    info = conn.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    return run_probes(lambda: psycopg.connect(dsn, autocommit=True), catalog, config)


def expected() -> set[tuple[str, str]]:
    flaws = json.loads((FIXTURE / "expected.json").read_text())["flaws"]
    return {(rule, obj) for found in flaws.values() for rule, obj in found}


@pytest.fixture
def probed(rls_template_factory, rls_clone_factory) -> tuple[ProbeResult, str]:
    template = rls_template_factory(FIXTURE)
    return audit_probes(rls_clone_factory(template)), template


def test_probes_find_exactly_the_listed_flaws(probed) -> None:
    result, _ = probed
    found = {(f.rule, str(f.object)) for f in result.findings}
    assert found == expected()
    assert all(f.outcome is Outcome.FAILED for f in result.findings)
    for f in result.findings:  # every reproducer sets the JWT claims, not a GUC of ours
        assert "request.jwt.claims" in f.evidence.reproducer
        if f.evidence.tenant is not None:
            assert f'"org_id": "{f.evidence.tenant}"' in f.evidence.reproducer
    cell = result.matrix.cell("public.workspaces", "SELECT", "authenticated")
    assert cell is not None and (cell.own, cell.other) == ("allowed", "denied")
    assert {c.relation for c in result.matrix.leaks()} >= {
        "public.audit_events",
        "public.documents",
    }


def test_or_widening_reproducer_leaks_when_run_by_hand(probed, rls_clone_factory) -> None:
    result, template = probed
    leak = next(
        f for f in result.findings if (f.rule, str(f.object)) == ("RLS101", "public.documents")
    )
    victim = leak.evidence.details["leaked_tenants"][0]
    body = leak.evidence.reproducer.replace("BEGIN;", "", 1).rsplit("ROLLBACK;", 1)[0]
    fresh = rls_clone_factory(template)
    with fresh.transaction(force_rollback=True):
        cur = fresh.cursor()
        cur.execute(body)
        while cur.nextset():
            pass
        rows = cur.fetchall()
    assert any(victim in str(r) for r in rows)
