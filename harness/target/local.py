"""A throwaway server from PostgreSQL binaries on this machine.

initdb into a temporary directory, listen on a unix socket in that directory only, fsync
off. initdb refuses to run as root, so as root the server runs as an unprivileged user.
The server is stopped and its directory removed on close, at exit, on exceptions and on
Ctrl-C alike.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from psycopg.conninfo import make_conninfo

from ..errors import BackendUnavailable
from .base import InfoBacked, ServerInfo
from .readiness import wait_ready

SUPERUSER = "rls_audit_admin"
"""Bootstrap superuser of servers we start; `postgres` stays free for the schema owner."""

SERVER_SETTINGS = (
    "listen_addresses=''",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=100",
    "shared_buffers=128MB",
    "max_locks_per_transaction=256",
)


def find_bindir() -> Path | None:
    """PostgreSQL server binaries on PATH, else where pg_config says they are."""
    for name in ("pg_ctl", "initdb", "postgres"):
        found = shutil.which(name)
        if found:
            candidate = Path(found).resolve().parent
            if all((candidate / exe).exists() for exe in ("initdb", "pg_ctl", "postgres")):
                return candidate
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        candidate = Path(out)
        if all((candidate / exe).exists() for exe in ("initdb", "pg_ctl", "postgres")):
            return candidate
    return None


def unprivileged_user() -> pwd.struct_passwd | None:
    """The account to run the server as when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("RLS_AUDIT_RUN_AS"), "postgres", "nobody"):
        if not name:
            continue
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise BackendUnavailable(
        "running as root and no unprivileged account (postgres, nobody) to run the server as",
        hint="set RLS_AUDIT_RUN_AS to an existing non-root user",
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer(InfoBacked):
    """A server we initdb and start ourselves; also the engine of the embedded backend."""

    def __init__(self, bindir: Path, *, backend: str = "local", superuser: str = SUPERUSER):
        self.bindir = bindir
        self.backend = backend
        self.superuser = superuser
        self.user = unprivileged_user()
        self.root: Path | None = None
        self.info: ServerInfo | None = None
        self._started = False

    # Lifecycle ---------------------------------------------------------------------
    def start(self, *, timeout: float = 60.0) -> LocalServer:
        self.root = Path(tempfile.mkdtemp(prefix="rls-audit-"))
        atexit.register(self.close)
        try:
            self._start(timeout)
        except BaseException:
            self.close()
            raise
        return self

    def _run(self, *args: str, timeout: float) -> None:
        kwargs: dict = {}
        if self.user is not None:
            kwargs = {
                "user": self.user.pw_uid,
                "group": self.user.pw_gid,
                "extra_groups": [],
            }
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if self.user is not None:
            env["HOME"] = str(self.root)
        try:
            proc = subprocess.run(
                [str(self.bindir / args[0]), *args[1:]],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=self.root,
                start_new_session=True,
                **kwargs,
            )
        except OSError as exc:
            raise BackendUnavailable(
                f"{self.backend}: cannot run {args[0]} from {self.bindir}: {exc.strerror}",
                hint="check that the PostgreSQL binaries are installed and executable",
            ) from None
        except subprocess.TimeoutExpired:
            raise BackendUnavailable(
                f"{self.backend}: {args[0]} did not finish within {timeout:.0f}s"
            ) from None
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise BackendUnavailable(
                f"{self.backend}: {args[0]} failed: {detail[-1] if detail else proc.returncode}"
            )

    def _start(self, timeout: float) -> None:
        assert self.root is not None
        data = self.root / "data"
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            self.superuser,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            timeout=timeout,
        )
        port = _free_port()
        options = " ".join([f"-k {self.root}", f"-p {port}"] + [f"-c {s}" for s in SERVER_SETTINGS])
        self._started = True
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 5,
        )
        dsn = make_conninfo(
            host=str(self.root), port=str(port), user=self.superuser, dbname="postgres"
        )
        version, num = wait_ready(dsn, timeout=timeout, what=f"{self.backend} server")
        self.info = ServerInfo(
            backend=self.backend,
            dsn=dsn,
            server_version=version,
            server_version_num=num,
            description=f"{self.backend} PostgreSQL {version} from {self.bindir}",
        )

    def close(self) -> None:
        """Stop the server and remove its directory; safe to call more than once."""
        root, self.root = self.root, None
        if root is None:
            return
        # Ctrl-C during shutdown must not leave a running server behind.
        previous = signal.getsignal(signal.SIGINT)
        try:
            if signal.getsignal(signal.SIGINT) is not None:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        try:
            if self._started and (root / "data" / "postmaster.pid").exists():
                try:
                    self.root = root
                    self._run(
                        "pg_ctl",
                        "-D",
                        str(root / "data"),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                        timeout=30,
                    )
                except BackendUnavailable:
                    _kill_postmaster(root / "data")
                finally:
                    self.root = None
            shutil.rmtree(root, ignore_errors=True)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            atexit.unregister(self.close)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kill_postmaster(data: Path) -> None:
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass


def start_local(*, timeout: float = 60.0) -> LocalServer:
    bindir = find_bindir()
    if bindir is None:
        raise BackendUnavailable(
            "local: no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH"
            " or via pg_config",
            hint="install the PostgreSQL server package, or use --backend embedded",
        )
    return LocalServer(bindir, backend="local").start(timeout=timeout)
