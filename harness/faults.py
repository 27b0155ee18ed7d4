"""Faults during an audit: which errors cut a stage short, and what the report says.

A fault is the server or the session failing under the audit (a restart, a killed
session, a statement or lock timeout, a full disk), not a bug of ours: the stage it hit
is recorded as incomplete and the audit goes on where it can, so that the user gets a
partial report marked incomplete instead of a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from . import db
from .db import Timeouts
from .errors import AuditError, ConnectionFailed
from .target.dsn import first_line

if TYPE_CHECKING:
    from .audit import RunInfo
    from .catalog import Catalog
    from .findings.check import Check
    from .findings.model import Finding


@dataclass
class Partial:
    """What the stages produced so far: the report of an audit a fault cut short."""

    run: RunInfo
    findings: list[Finding] = field(default_factory=list)
    checks: list[type[Check]] = field(default_factory=list)
    catalog: Catalog | None = None
    matrix: Any = None
    lost: bool = False
    """The connection to the server was lost: no later stage may use the database."""
    connections: list[psycopg.Connection[Any]] = field(default_factory=list)

    def connect(self, conninfo: str, timeouts: Timeouts) -> psycopg.Connection[Any]:
        """An autocommit session with the audit's timeouts, watched for a broken link."""
        conn = db.connect(conninfo)  # named rls-audit in pg_stat_activity
        self.connections.append(conn)
        try:
            db.set_timeouts(conn, timeouts, local=False)
        except BaseException:
            conn.close()
            raise
        return conn

    def stage(self, name: str, body: Callable[[], Any], *, needs_catalog: bool = True) -> None:
        """Run one stage; a fault of the server or the session makes it incomplete."""
        if self.lost or (needs_catalog and self.catalog is None):
            return
        del self.connections[:]
        try:
            with self.timed(name):
                body()
        except Exception as exc:
            if isinstance(exc, AuditError) and isinstance(exc.__cause__, psycopg.Error):
                exc = exc.__cause__  # e.g. "reading the catalog failed": classify the cause
            broken = any(c.broken for c in self.connections)
            if not (broken or isinstance(exc, (psycopg.OperationalError, ConnectionFailed))):
                raise  # a bug, not a fault: the CLI reports it and writes no report
            self.fault(name, exc)
            return
        if any(c.broken for c in self.connections):  # a stage that swallowed the errors
            self.fault(name, psycopg.OperationalError("the connection to the server was lost"))

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Seconds per stage into `run.load["stages"]`: the report shows its own throughput."""
        started = time.perf_counter()
        try:
            yield
        finally:
            stages = self.run.load.setdefault("stages", {})
            stages[name] = round(stages.get(name, 0.0) + time.perf_counter() - started, 3)

    def fault(self, name: str, exc: BaseException) -> None:
        lost = connection_lost(exc) or any(c.broken for c in self.connections)
        reason = f"{name}: {describe_fault(exc, lost)}"
        if lost:
            self.lost = True
            reason += "; later stages did not run"
        elif name == "catalog":
            reason += "; no check could run without it"
        self.run.incomplete.append(reason)


_LOST_STATES = {"57P01", "57P02", "57P03", "25P03"}
"""admin shutdown, crash shutdown, cannot connect now, idle-in-transaction timeout."""


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` means the session is gone, not merely that a statement failed."""
    if isinstance(exc, ConnectionFailed):
        return True
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in _LOST_STATES


def describe_fault(exc: BaseException, lost: bool) -> str:
    """One line a user can act on, from the error the server (or libpq) gave."""
    text = first_line(exc)
    if isinstance(exc, psycopg.errors.LockNotAvailable):
        return f"lock timeout, another session holds a lock ({text})"
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return f"a statement hit the timeout ({text})"
    if isinstance(exc, psycopg.errors.DiskFull):
        return f"the server is out of disk space ({text})"
    if isinstance(exc, psycopg.errors.AdminShutdown):
        return f"connection lost, the server shut down or ended the session ({text})"
    if lost:
        return f"connection lost ({text})"
    return f"database error ({text})"
