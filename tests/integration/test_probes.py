"""The probes against real servers: silent on the hardened schema, and every dynamic
flaw of the SPEC-009-as-written fixture found, with a reproducer that runs in psql."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.findings.model import Outcome
from harness.probes.context import ProbeConfig
from harness.probes.stage import ProbeResult, run_probes

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
AS_WRITTEN = ROOT / "tests" / "schemas" / "spec009_as_written"

# flaw slug -> (probe id, object) that proves it dynamically
EXPECTED = {
    "no-rls-platform-subscriptions": ("RLS101", "public.platform_subscriptions"),
    "no-rls-audit-logs": ("RLS101", "public.audit_logs"),
    "system-config-writable": ("RLS103", "public.system_config"),
    "truncate-granted-api-roles": ("RLS104", "public.tenants"),
    "trigger-granted-api-roles": ("RLS112", "public.branches"),
    "matview-tenant-statistics-readable": ("RLS101", "public.tenant_statistics"),
    "definer-get-user-tenant-id-disclosure": ("RLS107", "public.get_user_tenant_id(uuid)"),
    "fk-cross-tenant-users-branch": ("RLS105", "public.users"),
    "fk-cross-tenant-user-roles": ("RLS105", "public.user_roles"),
    "fk-cross-tenant-tenant-subscription": ("RLS105", "public.tenants"),
    "unique-users-email-global": ("RLS106", "public.users"),
    "unique-users-id-global": ("RLS106", "public.users"),
    "unique-tenants-slug-global": ("RLS106", "public.tenants"),
    "dev-set-tenant-context-session-level": ("RLS109", "public.dev_set_tenant_context(text)"),
    "anon-table-privileges": ("RLS101", "public.audit_logs"),
    "definer-mutable-search-path": ("RLS113", "public.get_user_tenant_id(uuid)"),
}
PLAN_STAGE = {"policy-per-row-function"}  # EXPLAIN evidence: the plan stage's (RLS2xx)


def probe(conn: psycopg.Connection, **config: object) -> ProbeResult:
    catalog = load_catalog(conn)
    info = conn.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    factory: Callable[[], psycopg.Connection] = lambda: psycopg.connect(dsn, autocommit=True)  # noqa: E731
    return run_probes(factory, catalog, ProbeConfig(**config))  # type: ignore[arg-type]


def test_hardened_schema_is_silent_and_leaves_no_trace(rls_conn: psycopg.Connection) -> None:
    before = rls_conn.execute("select count(*) from public.tenants").fetchone()
    result = probe(rls_conn, tenants=6, adversary="sql")
    assert [f"{f.rule} {f.object} {f.message}" for f in result.findings] == []
    assert result.stats["rows"] > 100
    assert rls_conn.execute("select count(*) from public.tenants").fetchone() == before
    cell = result.matrix.cell("public.branches", "SELECT", "authenticated")
    assert cell is not None and (cell.own, cell.other) == ("allowed", "denied")
    assert not result.matrix.leaks()


def test_every_dynamic_flaw_of_the_fixture_is_found(
    rls_template_factory, rls_clone_factory
) -> None:
    conn = rls_clone_factory(rls_template_factory(AS_WRITTEN))
    result = probe(conn, tenants=4, adversary="sql")
    found = {(f.rule, str(f.object)) for f in result.findings if f.outcome is Outcome.FAILED}
    flaws = json.loads((AS_WRITTEN / "flaws.json").read_text())
    dynamic = {f["slug"] for f in flaws if f["kind"] in ("dynamic", "both")}
    assert dynamic - PLAN_STAGE == set(EXPECTED)
    missing = {slug: want for slug, want in EXPECTED.items() if want not in found}
    assert missing == {}
    assert result.matrix.leaks()
    for f in result.findings:
        assert f.evidence.reproducer and f.evidence.reproducer.startswith("BEGIN;")


def test_reproducer_shows_the_leak_when_run_by_hand(
    rls_template_factory, rls_clone_factory
) -> None:
    template = rls_template_factory(AS_WRITTEN)
    conn = rls_clone_factory(template)
    result = probe(conn, tenants=3)
    leak = next(
        f for f in result.findings if f.rule == "RLS101" and str(f.object) == "public.audit_logs"
    )
    fresh = rls_clone_factory(template)
    victim = leak.evidence.details["leaked_tenants"][0]
    body = leak.evidence.reproducer.replace("BEGIN;", "", 1).rsplit("ROLLBACK;", 1)[0]
    with fresh.transaction(force_rollback=True):
        cur = fresh.cursor()
        cur.execute(body)
        while cur.nextset():
            pass
        rows = cur.fetchall()
    assert any(victim in str(r) for r in rows)
