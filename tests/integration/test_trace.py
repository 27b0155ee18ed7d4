"""Proof of no trace: a full `--dsn` audit of a populated database leaves it as it was."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from harness.cli import main
from harness.trace import fingerprint, verdict

pytestmark = pytest.mark.integration

TENANTS = (uuid.UUID(int=1), uuid.UUID(int=2))


def populate(conn: psycopg.Connection) -> None:
    """Rows for two tenants in the tables at the root of the schema (as the superuser)."""
    for n, tenant in enumerate(TENANTS, start=1):
        conn.execute(
            "insert into public.tenants (id, name, slug) values (%s, %s, %s)",
            (tenant, f"School {n}", f"school-{n}"),
        )
        conn.execute(
            "insert into public.branches (tenant_id, name, code) values (%s, %s, %s)",
            (tenant, f"Main campus {n}", f"MAIN{n}"),
        )
        for k in range(3):
            user = uuid.uuid4()
            email = f"user{k}@school-{n}.example"
            conn.execute("insert into auth.users (id, email) values (%s, %s)", (user, email))
            conn.execute(
                "insert into public.users (id, tenant_id, first_name, last_name, email)"
                " values (%s, %s, %s, %s, %s)",
                (user, tenant, f"First{k}", f"Last{k}", email),
            )


def test_fingerprint_sees_a_row_change(rls_conn):
    populate(rls_conn)
    before = fingerprint(rls_conn, "tenant_id")
    assert before.tables["public.branches"]["rows"] == 2
    assert before.bypasses_rls
    rls_conn.execute("update public.branches set name = name || '!' where code = 'MAIN1'")
    after = fingerprint(rls_conn, "tenant_id")
    result = verdict(before, after)
    assert not result["identical"]
    assert "public.branches" in result["changed_tables"]  # (and its audit trail)
    assert result["changed_catalog"] == []


def test_fingerprint_sees_a_policy_change(rls_conn):
    before = fingerprint(rls_conn, "tenant_id")
    rls_conn.execute("alter table public.branches no force row level security")
    result = verdict(before, fingerprint(rls_conn, "tenant_id"))
    assert not result["identical"]
    assert result["changed_catalog"] == ["relations"]


def test_full_dsn_audit_leaves_identical_fingerprints(rls_target, rls_conn, tmp_path):
    populate(rls_conn)
    dsn = rls_target.conninfo(rls_conn.info.dbname)
    code = main(["--dsn", dsn, "--format", "json", "--output", str(tmp_path), "--quiet",
                 "--tenants", "4"])  # fmt: skip
    assert code in (0, 1)
    trace = json.loads((tmp_path / "rls-audit.json").read_text())["target"]["trace"]
    assert trace["before"]["tables"]["public.users"]["rows"] == 6
    assert trace["before"]["digest"] == trace["after"]["digest"]
    assert trace["identical"], (trace["changed_tables"], trace["changed_catalog"])
    assert isinstance(trace["sequences_advanced"], dict)  # listed, not hidden


def test_dsn_sessions_name_themselves_and_transactions_time_out_when_idle(rls_target):
    """A DBA sees the audit in pg_stat_activity; a stalled audit never sits on its locks."""
    from harness import db
    from harness.target.dsn import ExistingServer

    server = ExistingServer(rls_target.conninfo()).start()
    with db.connect(server.conninfo()) as conn:
        assert conn.execute("show application_name").fetchone() == ("rls-audit",)
        with db.audit_transaction(conn, db.Timeouts(idle_ms=4321)):
            row = conn.execute("show idle_in_transaction_session_timeout").fetchone()
            assert row == ("4321ms",)
    named = make_conninfo(rls_target.conninfo(), application_name="mine")
    assert "application_name=mine" in ExistingServer(named).conninfo()


def test_read_only_audit_leaves_identical_fingerprints(rls_target, rls_conn, tmp_path):
    populate(rls_conn)
    dsn = rls_target.conninfo(rls_conn.info.dbname)
    code = main(["--dsn", dsn, "--read-only", "--format", "json", "--output", str(tmp_path),
                 "--quiet"])  # fmt: skip
    assert code in (0, 1)
    doc = json.loads((tmp_path / "rls-audit.json").read_text())
    assert doc["target"]["read_only"] is True
    assert doc["target"]["load"]["probes"]["mode"] == "read-only"  # SELECTs on existing rows
    trace = doc["target"]["trace"]
    assert trace["identical"], (trace["changed_tables"], trace["changed_catalog"])
    assert trace["sequences_advanced"] == {}  # nothing ran nextval


def test_read_only_sessions_are_refused_writes_by_the_server(rls_target, rls_conn):
    from harness.target.dsn import read_only_dsn

    dsn = read_only_dsn(rls_target.conninfo(rls_conn.info.dbname))
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table public.should_not_exist (id int)")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("delete from public.branches")


def test_read_only_needs_a_dsn(capsys, tmp_path):
    code = main(["--read-only", "--schema", "schema", "--quiet", "--output", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_a_table_too_big_to_checksum_is_unverified_not_fatal(rls_conn, monkeypatch):
    import harness.trace

    rls_conn.execute("create table public.big (tenant_id uuid, n int)")
    rls_conn.execute(
        "insert into public.big select gen_random_uuid(), g from generate_series(1, 300000) g"
    )
    monkeypatch.setattr(harness.trace, "TABLE_TIMEOUT", "100ms")  # small tables: ~1ms
    before = fingerprint(rls_conn, "tenant_id")
    assert before.tables["public.big"] == {
        "tenant": True,
        "unverified": "checksum took longer than 100ms",
    }
    assert before.tables["public.system_config"]["tenant"] is False
    result = verdict(before, before)
    assert result["identical"] and result["unverified_tables"] == ["public.big"]
