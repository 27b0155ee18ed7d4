"""Faults against a real server the test starts, kills or blocks.

Each test provokes one fault while an audit runs: the server restarts, the audit's
session is terminated, a statement hits the timeout, another session holds a lock on a
tenant table, the ephemeral server's disk fills. The audit must stop or skip the affected
part, say so in one line, write the partial report marked incomplete, exit 2, and leave
nothing behind: no half-written report, no database, no open transaction, no temporary
directory, no server process.

The faults are injected at a stage boundary through the progress callback: a timing hook
on the real run, never a stand-in for the database.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from harness.cli import main
from harness.errors import BackendUnavailable
from harness.report.progress import ProgressView
from harness.target.janitor import build_template, clone, drop_database
from harness.target.local import LocalServer, start_local

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema"
FAST = ["--format", "json,md,sarif,junit,html", "--quiet", "--tenants", "2", "--no-plans"]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """A server of the test's own: these tests restart it and kill its sessions."""
    try:
        srv = start_local()
    except BackendUnavailable as exc:
        pytest.skip(f"no local PostgreSQL server for fault tests: {exc}")
    with srv:
        yield srv


@pytest.fixture(scope="module")
def template(server: LocalServer) -> Iterator[str]:
    name, _ = build_template(server, SCHEMA)
    yield name
    drop_database(server, name)


@pytest.fixture
def live_db(server: LocalServer, template: str) -> Iterator[str]:
    """A populated-schema database audited in place with --dsn, dropped after."""
    name = clone(server, template, purpose="live")
    yield name
    drop_database(server, name)


def admin(server: LocalServer, dbname: str | None = None) -> psycopg.Connection:
    return psycopg.connect(
        server.conninfo(dbname), autocommit=True, application_name="rls-audit-fault-test"
    )


def databases(server: LocalServer) -> set[str]:
    with admin(server) as conn:
        return {r[0] for r in conn.execute("select datname from pg_database")}


def audit_sessions(server: LocalServer) -> list[tuple]:
    """The audit's sessions still on the server; a terminated backend takes a moment."""
    rows: list[tuple] = []
    for _ in range(50):
        with admin(server) as conn:
            rows = conn.execute(
                "select pid, state, xact_start from pg_stat_activity"
                " where application_name = 'rls-audit'"
            ).fetchall()
        if not rows:
            break
        time.sleep(0.1)
    return rows


def at_stage(monkeypatch, prefix: str, action: Callable[[], None]) -> list[str]:
    """Run `action` once, when the audit announces a phase starting with `prefix`."""
    original = ProgressView.__call__
    fired: list[str] = []

    def call(self, message, done=None, total=None):
        if not fired and message.startswith(prefix):
            fired.append(message)
            action()
        return original(self, message, done, total)

    monkeypatch.setattr(ProgressView, "__call__", call)
    return fired


def incomplete_run(code: int, stderr: str, out: Path, expected: str) -> dict:
    """Exit 2, one clear line, every report whole and marked incomplete."""
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("rls-audit: audit incomplete: "), stderr
    assert expected in lines[0], lines[0]
    assert f"partial report written to {out / 'rls-audit.json'}" in lines[0]
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["rls-audit.json", "rls-audit.md", "rls-audit.sarif", "rls-audit.junit.xml",
         "rls-audit.html"]
    ), names  # fmt: skip
    doc = json.loads((out / "rls-audit.json").read_text())
    assert doc["run"]["complete"] is False and doc["run"]["incomplete"], doc["run"]
    assert any(expected in reason for reason in doc["run"]["incomplete"])
    assert doc["summary"]["verdict"] == "incomplete"
    assert (out / "rls-audit.md").read_text().startswith("## ⚠️ rls-audit: INCOMPLETE")
    assert 'id="incomplete"' in (out / "rls-audit.html").read_text()
    sarif = json.loads((out / "rls-audit.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert 'name="rls-audit.incomplete"' in (out / "rls-audit.junit.xml").read_text()
    return doc


def nothing_left(server: LocalServer, before: set[str]) -> None:
    assert databases(server) == before
    assert audit_sessions(server) == []


PLANS = ["--format", "json,md,sarif,junit,html", "--quiet", "--no-probes", "--plan-rows", "1000"]


@pytest.mark.parametrize(
    ("phase", "args", "expected"),
    [
        ("probe RLS1", FAST, "probes: connection lost"),
        # the plan stage records a failed EXPLAIN and goes on: its broken session tells
        ("plans: EXPLAIN", PLANS, "plans: connection lost"),
    ],
)
def test_server_restart_mid_audit(server, tmp_path, capsys, monkeypatch, phase, args, expected):
    before = databases(server)
    assert server.root is not None
    data = str(server.root / "data")
    with admin(server) as conn:
        started = conn.execute("select pg_postmaster_start_time()").fetchone()

    def restart() -> None:  # -l: the new postmaster must not hold pg_ctl's output open
        log = str(server.root / "server.log")
        server._run("pg_ctl", "-D", data, "-l", log, "-m", "fast", "-w", "restart", timeout=60)

    fired = at_stage(monkeypatch, phase, restart)
    code = main(["--dsn", server.conninfo(), "--schema", str(SCHEMA),
                 "--output", str(tmp_path), *args])  # fmt: skip
    assert fired
    doc = incomplete_run(code, capsys.readouterr().err, tmp_path, expected)
    assert any("later stages did not run" in r for r in doc["run"]["incomplete"])
    with admin(server) as conn:  # it really restarted
        assert conn.execute("select pg_postmaster_start_time()").fetchone() != started
    assert doc["summary"]["tenant_tables"] >= 12  # what ran before the fault is reported
    assert any(f["stage"] == "static" for f in doc["findings"])
    nothing_left(server, before)


def test_connection_dropped_mid_audit(server, tmp_path, capsys, monkeypatch):
    before = databases(server)

    def terminate() -> None:
        with admin(server) as conn:
            killed = conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where application_name = 'rls-audit' and pid <> pg_backend_pid()"
            ).fetchall()
        assert killed, "no audit session to terminate"

    fired = at_stage(monkeypatch, "generating", terminate)
    code = main(["--dsn", server.conninfo(), "--schema", str(SCHEMA),
                 "--output", str(tmp_path), *FAST])  # fmt: skip
    assert fired
    incomplete_run(code, capsys.readouterr().err, tmp_path, "probes: connection lost")
    nothing_left(server, before)


def test_statement_timeout(server, live_db, tmp_path, capsys):
    """A tenant table whose insert trigger is slow: the probes' rows cannot be written."""
    with admin(server, live_db) as conn:
        conn.execute(
            "create function public.slow_insert() returns trigger language plpgsql as"
            " $$ begin perform pg_catalog.pg_sleep(30); return new; end $$"
        )
        conn.execute(
            "create trigger slow_insert before insert on public.tenants"
            " for each row execute function public.slow_insert()"
        )
    before = databases(server)
    started = time.monotonic()
    code = main(["--dsn", server.conninfo(live_db), "--statement-timeout", "300ms",
                 "--output", str(tmp_path), *FAST])  # fmt: skip
    assert time.monotonic() - started < 25  # cancelled, not waited for
    incomplete_run(code, capsys.readouterr().err, tmp_path, "statement timeout")
    nothing_left(server, before)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # reads wait too: the catalog (pg_get_expr opens the table) cannot be read
        ("access exclusive", "catalog: lock timeout"),
        # writes wait (CREATE INDEX holds this): the probes cannot write their rows
        ("share", "lock timeout"),
    ],
)
def test_another_session_holds_a_lock_on_a_tenant_table(
    server, live_db, tmp_path, capsys, mode, expected
):
    before = databases(server)
    started = time.monotonic()
    with admin(server, live_db) as holder, holder.transaction():
        holder.execute(f"lock table public.students in {mode} mode")
        code = main(["--dsn", server.conninfo(live_db), "--lock-timeout", "200ms",
                     "--output", str(tmp_path), *FAST])  # fmt: skip
    assert time.monotonic() - started < 60  # nothing queued behind the lock for long
    doc = incomplete_run(code, capsys.readouterr().err, tmp_path, expected)
    trace = doc["target"]["trace"]
    if mode == "access exclusive":
        reasons = "\n".join(doc["run"]["incomplete"])
        assert "trace: public.students not fingerprinted before and after the audit" in reasons
        assert "public.students" in trace["unverified_tables"]
        assert doc["findings"] == []  # nothing was checked without the catalog
    else:
        assert any(r.startswith("probes") for r in doc["run"]["incomplete"])
        assert trace["unverified_tables"] == [] and trace["identical"]
    assert "public.students" not in trace["changed_tables"]
    nothing_left(server, before)


@contextlib.contextmanager
def small_disk(size: str) -> Iterator[Path]:
    """A size-limited tmpfs, or a skip saying why there cannot be one here."""
    if os.geteuid() != 0:
        pytest.skip("filling a disk needs a tmpfs mount, which needs root")
    mount = Path(tempfile.mkdtemp(prefix="rls-audit-fault-disk-", dir="/tmp"))
    os.chmod(mount, 0o755)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a size-limited tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def fill(mount: Path) -> None:
    """Take every free byte of the file system."""
    with open(mount / "filler", "wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    assert os.statvfs(mount).f_bavail == 0


def server_processes(path: Path) -> list[str]:
    procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in procs.splitlines() if str(path) in line and "postgres" in line]


def test_ephemeral_server_disk_fills(tmp_path, capsys, monkeypatch):
    with small_disk("256m") as mount:
        monkeypatch.setattr(tempfile, "tempdir", str(mount))  # the server's directory
        fired = at_stage(monkeypatch, "generating", lambda: fill(mount))
        out = tmp_path / "reports"
        code = main(["--backend", "local", "--schema", str(SCHEMA),
                     "--output", str(out), *FAST])  # fmt: skip
        assert fired
        leftovers = sorted(p.name for p in mount.iterdir())
        processes = server_processes(mount)
    doc = incomplete_run(code, capsys.readouterr().err, out, "out of disk space")
    assert any("No space left on device" in r for r in doc["run"]["incomplete"])
    assert leftovers == ["filler"]  # the server's directory is gone
    assert processes == []


@pytest.mark.parametrize(
    ("stop", "code", "message"),
    [
        ("ctrl-c", 130, "rls-audit: interrupted"),
        ("sigterm", 130, "rls-audit: interrupted"),
        ("bug", 2, "rls-audit: error: internal error RuntimeError: a bug mid-audit"),
    ],
)
def test_interrupted_or_crashed_audit_writes_no_report(
    server, tmp_path, capsys, monkeypatch, request, stop, code, message
):
    """Ctrl-C, SIGTERM or a bug mid-audit: the previous report stays as it was, nothing
    half-written appears, and the audit's databases and sessions are gone."""
    before = databases(server)
    old = tmp_path / "rls-audit.json"
    old.write_text('{"previous": true}\n')

    def interrupt() -> None:
        if stop == "ctrl-c":
            raise KeyboardInterrupt
        if stop == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this returns
        raise RuntimeError("a bug mid-audit")

    previous = signal.getsignal(signal.SIGTERM)  # main() installs its own handler
    request.addfinalizer(lambda: signal.signal(signal.SIGTERM, previous))
    at_stage(monkeypatch, "probe RLS101", interrupt)
    assert main(["--dsn", server.conninfo(), "--schema", str(SCHEMA),
                 "--output", str(tmp_path), *FAST]) == code  # fmt: skip
    assert capsys.readouterr().err.startswith(message)
    assert [p.name for p in tmp_path.iterdir()] == ["rls-audit.json"]
    assert old.read_text() == '{"previous": true}\n'
    nothing_left(server, before)


def test_server_stops_for_good_mid_audit(tmp_path, capsys, monkeypatch):
    """A server that does not come back: the report still comes, and names the scratch
    database the audit could not drop."""
    try:
        gone = start_local()
    except BackendUnavailable as exc:
        pytest.skip(f"no local PostgreSQL server for fault tests: {exc}")
    with gone:
        assert gone.root is not None
        data = str(gone.root / "data")
        at_stage(
            monkeypatch,
            "probe RLS1",
            lambda: gone._run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop", timeout=60),
        )
        code = main(["--dsn", gone.conninfo(), "--schema", str(SCHEMA),
                     "--output", str(tmp_path), *FAST])  # fmt: skip
        doc = incomplete_run(code, capsys.readouterr().err, tmp_path, "probes: connection lost")
        cleanup = [r for r in doc["run"]["incomplete"] if r.startswith("cleanup:")]
        assert len(cleanup) == 2, doc["run"]["incomplete"]  # the run's clone and template
        assert all("was not dropped" in r for r in cleanup)
        assert doc["target"]["database"] in cleanup[0]


def test_the_audits_own_sessions_carry_the_configured_timeouts(server):
    from harness.audit import RunInfo
    from harness.config import resolve
    from harness.faults import Partial

    config = resolve(
        {"statement_timeout": "1234ms", "lock_timeout": "2s", "idle_timeout": "3min"},
        environ={},
    )
    with Partial(RunInfo()).connect(server.conninfo(), config.timeouts) as conn:
        shown = [
            conn.execute(f"show {name}").fetchone()[0]
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        ]
        name = conn.execute("show application_name").fetchone()[0]
    assert shown == ["1234ms", "2s", "3min"]
    assert name == "rls-audit"  # every stage's session is named in pg_stat_activity
