"""Each backend starts a real server, answers a real query, and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from harness.errors import BackendUnavailable, ConfigError
from harness.target import availability, choose_backend, start_target
from harness.target.docker import DockerServer, docker_available
from harness.target.embedded import start_embedded
from harness.target.local import start_local

pytestmark = pytest.mark.integration
EXPECTED_MAJOR = {"local": None, "embedded": 18}


def gone(pid: int | str, timeout: float = 10.0) -> bool:
    """The process has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_server_answers_and_reports_its_version(rls_target):
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as conn:
        version = conn.execute("show server_version").fetchone()[0]
        num = int(conn.execute("show server_version_num").fetchone()[0])
    assert version.split()[0] == rls_target.server_version
    assert num == rls_target.server_version_num
    expected = EXPECTED_MAJOR.get(rls_target.backend)
    if expected:
        assert num // 10000 == expected


def test_ephemeral_servers_listen_only_on_a_private_socket_with_fsync_off(rls_target):
    if rls_target.backend not in ("local", "embedded"):
        pytest.skip("only servers started from binaries are configured by us")
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as conn:
        settings = dict(
            conn.execute(
                "select name, setting from pg_settings where name = any(%s)",
                (["listen_addresses", "fsync", "unix_socket_directories"],),
            ).fetchall()
        )
        pid = conn.execute("select pg_backend_pid()").fetchone()[0]
    assert settings["listen_addresses"] == ""
    assert settings["fsync"] == "off"
    assert settings["unix_socket_directories"] == str(rls_target.root)
    if os.geteuid() == 0:  # initdb refuses root: the server must run as someone else
        assert Path(f"/proc/{pid}").stat().st_uid != 0


@pytest.mark.parametrize("start", [start_local, start_embedded], ids=["local", "embedded"])
def test_close_stops_the_server_and_removes_its_directory(start):
    try:
        server = start()
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    root = server.root
    pid = int((root / "data" / "postmaster.pid").read_text().splitlines()[0])
    server.close()
    assert not root.exists()
    assert gone(pid)
    server.close()  # idempotent


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from harness.target.select import start_target
    with start_target(sys.argv[1]) as server:
        print(server.root, flush=True)
        print((server.root / "data" / "postmaster.pid").read_text().split()[0], flush=True)
        if sys.argv[2] == "sigint":
            os.kill(os.getpid(), signal.SIGINT)
        raise RuntimeError("boom")
    """
)


@pytest.mark.parametrize("how", ["sigint", "exception"])
@pytest.mark.parametrize("backend", ["local", "embedded"])
def test_server_is_removed_on_ctrl_c_and_on_exceptions(backend, how):
    if availability()[backend] is not None:
        pytest.skip(f"{backend}: {availability()[backend]}")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, backend, how], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    expected = "KeyboardInterrupt" if how == "sigint" else "RuntimeError: boom"
    assert expected in proc.stderr
    root, pid = proc.stdout.split()
    assert not Path(root).exists()
    assert gone(pid)


def test_docker_backend_skips_here_with_a_reason_or_runs():
    reason = docker_available()
    if reason is not None:
        with pytest.raises(
            BackendUnavailable, match=r"docker: no Docker engine|docker: the docker"
        ):
            DockerServer().start()
        pytest.skip(f"docker backend not testable here: {reason}")
    with DockerServer().start() as server, psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_auto_selection_prefers_docker_then_local_then_embedded():
    reasons = availability()
    expected = next(name for name in ("docker", "local", "embedded") if reasons[name] is None)
    assert choose_backend("auto") == expected
    with pytest.raises(ConfigError, match="unknown backend 'podman'"):
        choose_backend("podman")


def test_dsn_backend_reuses_an_existing_server_and_never_stops_it(rls_target):
    with start_target(dsn=rls_target.conninfo()) as existing:
        assert existing.backend == "dsn"
        assert existing.server_version == rls_target.server_version
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
