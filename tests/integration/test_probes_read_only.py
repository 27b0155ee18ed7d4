"""`--read-only` probes: SELECTs on the rows already in the database, as the API roles
acting for tenants sampled from those rows. They find the as-written fixture's
cross-tenant reads, stay silent on the hardened schema, and leave no trace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from harness.catalog import load_catalog
from harness.db import ContextSpec, Timeouts
from harness.findings.model import Outcome
from harness.probes.assertions import generate_tenants
from harness.probes.context import ProbeConfig
from harness.probes.readonly import run_read_only_probes
from harness.probes.rls108_context_fail_open import ContextFailOpen
from harness.probes.stage import ProbeResult
from harness.target.dsn import read_only_dsn
from harness.trace import take

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
AS_WRITTEN = ROOT / "tests" / "schemas" / "spec009_as_written"
ORG_JWT = ROOT / "tests" / "schemas" / "probe_org_jwt"


def probe(conninfo: str, catalog, **config: object) -> ProbeResult:
    factory: Callable[[], psycopg.Connection] = lambda: psycopg.connect(  # noqa: E731
        read_only_dsn(conninfo), autocommit=True
    )
    return run_read_only_probes(factory, catalog, ProbeConfig(**config))  # type: ignore[arg-type]


def audited(
    rls_target, conn: psycopg.Connection, column: str = "tenant_id", **config: object
) -> tuple[ProbeResult, str]:
    """Three tenants' rows committed by the owner, then the read-only probes, fingerprinted
    before and after."""
    generate_tenants(conn, 3, seed=7, tenant_column=column)
    conninfo = rls_target.conninfo(conn.info.dbname)
    before = take(conninfo, column)
    result = probe(conninfo, load_catalog(conn, tenant_column=column), **config)
    after = take(conninfo, column)
    assert after.digest == before.digest and after.sequences == before.sequences
    return result, conninfo


def test_as_written_cross_tenant_reads_are_found_without_writing(
    rls_target, rls_template_factory, rls_clone_factory
) -> None:
    conn = rls_clone_factory(rls_template_factory(AS_WRITTEN))
    result, _ = audited(rls_target, conn)
    found = {(f.rule, str(f.object)) for f in result.findings if f.outcome is Outcome.FAILED}
    assert {
        ("RLS101", "public.platform_subscriptions"),
        ("RLS101", "public.audit_logs"),
    } <= found
    assert {rule for rule, _ in found} <= {"RLS101", "RLS108"}
    leak = next(f for f in result.findings if str(f.object) == "public.audit_logs")
    assert leak.evidence.tenant and leak.evidence.details["leaked_tenants"]
    assert leak.evidence.tenant not in leak.evidence.details["leaked_tenants"]
    assert "SET TRANSACTION READ ONLY" in leak.evidence.reproducer
    assert result.stats["tenants_sampled"] == 3 and result.stats["login_bypasses_rls"]
    assert result.matrix.cell("public.audit_logs", "SELECT", "authenticated").other == "leaked"
    # the reproducer shows the victim's row when run by hand, in a read-only transaction
    body = leak.evidence.reproducer.replace("BEGIN;", "", 1).rsplit("ROLLBACK;", 1)[0]
    with conn.transaction(force_rollback=True):
        cur = conn.cursor()
        cur.execute(body)
        while cur.nextset():
            pass
        rows = cur.fetchall()
    assert any(leak.evidence.details["leaked_tenants"][0] in str(r) for r in rows)


def test_hardened_schema_is_silent(rls_target, rls_conn) -> None:
    result, _ = audited(rls_target, rls_conn)
    assert [f"{f.rule} {f.object} {f.message}" for f in result.findings] == []
    assert result.stats["tenants_sampled"] == 3 and result.stats["statements"] > 50
    cell = result.matrix.cell("public.branches", "SELECT", "authenticated")
    assert cell is not None and (cell.own, cell.other) == ("allowed", "denied")
    assert not result.matrix.leaks()


def test_a_login_subject_to_rls_that_sees_nothing_is_inconclusive(rls_target, rls_conn) -> None:
    """A login without BYPASSRLS reads no tenant's rows without a context: no sample, which
    is reported, never a pass."""
    generate_tenants(rls_conn, 2, seed=3)
    rls_conn.execute("create role ro_auditor login nobypassrls in role authenticated")
    rls_conn.execute("grant select on all tables in schema public to ro_auditor")
    conninfo = make_conninfo(rls_target.conninfo(rls_conn.info.dbname), user="ro_auditor")
    try:
        result = probe(conninfo, load_catalog(rls_conn), roles=("authenticated",))
    finally:
        rls_conn.execute("drop owned by ro_auditor")
        rls_conn.execute("drop role ro_auditor")
    assert not result.stats["login_bypasses_rls"]
    assert [(f.rule, f.outcome) for f in result.findings] == [("RLS100", Outcome.INCONCLUSIVE)]
    assert "subject to row level security" in result.findings[0].message


def test_jwt_context_fail_open_reuses_rls108(
    rls_target, rls_template_factory, rls_clone_factory
) -> None:
    """The OR-widened read policy of the org/JWT fixture: any signed-in user, with or without
    an organization, reads every document."""
    conn = rls_clone_factory(rls_template_factory(ORG_JWT))
    jwt = ContextSpec(mode="jwt", claim_path=("app_metadata", "org_id"))
    result, _ = audited(rls_target, conn, "org_id", context=jwt)
    found = {(f.rule, str(f.object)) for f in result.findings}
    assert found == {
        ("RLS101", "public.audit_events"),
        ("RLS101", "public.documents"),
        ("RLS108", "public.documents"),
    }
    blind = next(f for f in result.findings if f.rule == "RLS108")
    assert "request.jwt.claims" in blind.evidence.reproducer
    # the full probe's identity (rule, object, role and context): baselines treat it alike
    same = ContextFailOpen.finding(blind.object, "", discriminator="authenticated:None")
    assert blind.fingerprint == same.fingerprint


def test_a_read_that_times_out_is_inconclusive_not_a_pass(rls_target, rls_conn) -> None:
    rls_conn.execute(
        "create view public.slow_branches as"
        " select b.tenant_id from public.branches b where pg_catalog.pg_sleep(0.3) is not null"
    )
    rls_conn.execute("grant select on public.slow_branches to authenticated")
    result, _ = audited(
        rls_target, rls_conn, roles=("authenticated",), timeouts=Timeouts(statement_ms=100)
    )
    assert [(f.rule, str(f.object), f.outcome) for f in result.findings] == [
        ("RLS100", "public.slow_branches", Outcome.INCONCLUSIVE)
    ]
    assert "statement timeout" in result.findings[0].message
