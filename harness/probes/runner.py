"""Run one statement as whoever the session is now, and keep everything observable.

Rows, RETURNING, the row count, the error (state, constraint, message, detail) and the
notices are all outputs an attacker sees, so all of them are kept for the oracles. Each
statement runs in its own savepoint: an error never aborts the probe's transaction.

Statements travel in pipelined flights: the savepoint, the tenant context, the role
switch, the statement and whatever the oracle reads afterwards go to the server in one
round trip. An error skips the rest of its flight (up to the sync that ends it); the
savepoint is then rolled back in a second, short flight.

A statement or lock timeout is not an answer of the schema: it raises `Fault`, so no
probe mistakes it for "denied" or for a pass. A lost connection is raised as it is.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from .. import db

PERMISSION_DENIED = "42501"
RLS_VIOLATION_TEXT = "row-level security"
FAULT_STATES = {"57014": "statement timeout", "55P03": "lock timeout"}
"""Errors that say the server could not answer in time, not how it answers."""
SAVEPOINT = sql.SQL("savepoint {}")
ROLLBACK_TO = sql.SQL("rollback to savepoint {}")
RELEASE = sql.SQL("release savepoint {}")
PROBE_SAVEPOINT = "rls_audit_probe"
"""One name for every statement's savepoint: they nest, and the innermost one answers."""
Step = tuple[sql.Composable | str, Any]
Rows = list[tuple[Any, ...]]


class Fault(Exception):
    """A statement timed out or waited too long for a lock: the probe is inconclusive."""

    def __init__(self, reason: str, sqlstate: str, error: str, statement: str = "") -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.sqlstate = sqlstate
        self.error = error
        self.statement = statement


def fault_of(exc: BaseException) -> str | None:
    """'statement timeout' or 'lock timeout' when `exc` is one, else None."""
    state = getattr(getattr(exc, "diag", None), "sqlstate", None)
    return FAULT_STATES.get(state or "")


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    rows: tuple[tuple[Any, ...], ...] = ()
    columns: tuple[str, ...] = ()
    rowcount: int = 0
    sqlstate: str | None = None
    constraint: str | None = None
    error: str | None = None
    detail: str | None = None
    notices: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        """Refused for privileges or by a policy (not a bug, the expected answer)."""
        return self.sqlstate == PERMISSION_DENIED or RLS_VIOLATION_TEXT in (self.error or "")

    @property
    def signature(self) -> tuple[Any, ...]:
        """What an attacker can tell apart: success, error class and constraint."""
        return (self.ok, self.sqlstate, self.constraint)

    def observable(self) -> list[Any]:
        """Everything the caller saw, for the canary scan."""
        out: list[Any] = [v for row in self.rows for v in row]
        out += [self.error, self.detail, *self.notices]
        return [v for v in out if v is not None]

    def summary(self, limit: int = 3) -> str:
        if not self.ok:
            return f"ERROR {self.sqlstate}: {self.error}" + (
                f" DETAIL: {self.detail}" if self.detail else ""
            )
        if self.rows:
            shown = "; ".join(_row(r) for r in self.rows[:limit])
            more = f" (+{len(self.rows) - limit} more)" if len(self.rows) > limit else ""
            return f"{len(self.rows)} row(s): {shown}{more}"
        return f"OK, {self.rowcount} row(s) affected"


def _row(row: tuple[Any, ...]) -> str:
    return "|".join("" if v is None else str(v) for v in row)[:200]


@dataclass
class Flight:
    """The cursors of one pipelined flight; `failed` is the index of the step that erred."""

    cursors: list[psycopg.Cursor[Any]]
    error: psycopg.Error | None = None
    failed: int | None = None

    def rows(self, index: int) -> Rows:
        cur = self.cursors[index]
        return cur.fetchall() if cur.description is not None else []


@dataclass
class Runner:
    """Executes statements on one connection, counting them for the benchmark."""

    conn: psycopg.Connection[Any]
    statements: int = 0
    seconds: float = 0.0
    _notices: list[str] = field(default_factory=list)
    _texts: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._hear = lambda d: self._notices.append(d.message_primary or "")
        self.conn.add_notice_handler(self._hear)

    def close(self) -> None:
        """Stop collecting the connection's notices (the connection stays open)."""
        self.conn.remove_notice_handler(self._hear)

    def savepoint(self, verb: sql.SQL, name: str = PROBE_SAVEPOINT) -> str:
        """SAVEPOINT, ROLLBACK TO or RELEASE of `name`, composed once and kept as text."""
        key = (verb.as_string(None), name)
        if key not in self._texts:
            self._texts[key] = verb.format(sql.Identifier(name)).as_string(self.conn)
        return self._texts[key]

    # -- flights ------------------------------------------------------------------------
    def flight(self, steps: Sequence[Step]) -> Flight:
        """Send `steps` in one pipeline and one sync; the first error stops the flight."""
        out = Flight([])
        try:
            with self.conn.pipeline():
                for stmt, params in steps:
                    cur = self.conn.cursor()
                    try:  # never prepared: a Parse skipped after an error would be
                        cur.execute(stmt, params, prepare=False)  # thought to exist
                    except psycopg.Error as exc:  # an earlier step's error surfaced early
                        out.error = exc
                        break
                    out.cursors.append(cur)
        except psycopg.Error as exc:
            out.error = out.error or exc
        if out.error is not None:
            self.check_alive(out.error)
            out.failed = next(
                (i for i, c in enumerate(out.cursors) if c.pgresult is None), len(out.cursors)
            )
        return out

    def check_alive(self, exc: BaseException) -> None:
        """A lost connection is not an outcome: the audit must see it."""
        if self.conn.closed or self.conn.broken:
            raise exc

    def raise_error(self, exc: psycopg.Error, statement: Any = None) -> None:
        """Re-raise an error of the harness's own statements, as `Fault` if it is one."""
        self.check_alive(exc)
        reason = fault_of(exc)
        if reason is not None:
            error = exc.diag.message_primary or str(exc).strip().splitlines()[0]
            text = self.render(statement) if statement is not None else ""
            raise Fault(reason, exc.diag.sqlstate or "", error, text) from exc
        raise exc

    def outcome(self, cur: psycopg.Cursor[Any]) -> Outcome:
        rows: list[tuple[Any, ...]] = []
        columns: tuple[str, ...] = ()
        if cur.description is not None:
            rows = cur.fetchall()
            columns = tuple(c.name for c in cur.description)
        return Outcome(True, tuple(rows), columns, cur.rowcount, notices=tuple(self._notices))

    def failure(self, exc: psycopg.Error, statement: Any = None) -> Outcome:
        """The error as an outcome; a timeout raises `Fault` instead."""
        diag = exc.diag
        error = diag.message_primary or str(exc).strip().splitlines()[0]
        reason = fault_of(exc)
        if reason is not None:
            text = self.render(statement) if statement is not None else ""
            raise Fault(reason, diag.sqlstate or "", error, text)
        return Outcome(
            False,
            sqlstate=diag.sqlstate,
            constraint=diag.constraint_name,
            error=error,
            detail=diag.message_detail,
            notices=tuple(self._notices),
        )

    def run_probe(
        self,
        stmt: sql.Composable | str,
        params: Any = None,
        *,
        prefix: Sequence[Step] = (),
        before: Sequence[Step] = (),
        after: Sequence[Step] = (),
        keep: bool = False,
        savepoint: bool = True,
    ) -> tuple[Outcome, list[Rows], list[Rows] | None]:
        """One flight: `prefix`, then a savepoint holding `before` (context, role) and the
        statement, then `after` (restore, oracle reads). Returns the outcome and the rows
        of each prefix and each after step. `keep` releases the savepoint so that the
        statement's effects (and role) stay for `after`; otherwise it is rolled back.
        When the statement fails, its savepoint is rolled back and `after` is skipped
        (None in its place): a failed statement changed nothing. Without `savepoint` the
        caller holds one and rolls it back when the statement fails."""
        if savepoint:
            opening = [(self.savepoint(SAVEPOINT), None)]
            end = [(self.savepoint(RELEASE), None)]
            if not keep:
                end.insert(0, (self.savepoint(ROLLBACK_TO), None))
        else:
            opening, end = [], []
        opened = len(prefix)
        at = opened + len(opening) + len(before)
        steps = [*prefix, *opening, *before, (stmt, params), *end, *after]
        self._notices.clear()
        started = time.perf_counter()
        self.statements += 1
        try:
            fl = self.flight(steps)
            if fl.error is None:
                done = at + 1 + len(end)
                return (
                    self.outcome(fl.cursors[at]),
                    [fl.rows(i) for i in range(opened)],
                    [fl.rows(i) for i in range(done, len(steps))],
                )
            failed = fl.failed if fl.failed is not None else at
            if savepoint and opened < failed <= at:  # inside the savepoint: roll it back
                notices = list(self._notices)
                rollback = [(self.savepoint(ROLLBACK_TO), None), (self.savepoint(RELEASE), None)]
                undo = self.flight(rollback)
                self._notices[:] = notices
                if undo.error is not None:
                    self.raise_error(undo.error)
            if failed != at:  # a step of ours failed, not the probe statement
                self.raise_error(fl.error)
            return self.failure(fl.error, stmt), [fl.rows(i) for i in range(opened)], None
        finally:
            self.seconds += time.perf_counter() - started

    # -- the probe API -----------------------------------------------------------------
    def attempt(
        self,
        stmt: sql.Composable | str,
        params: Any = None,
        *,
        copy_rows: list[tuple[Any, ...]] | None = None,
    ) -> Outcome:
        """Run `stmt` in a savepoint; an error is an outcome, not an exception."""
        if copy_rows is not None:
            return self.copy_in(stmt, copy_rows)
        return self.run_probe(stmt, params, keep=True)[0]

    def copy_in(self, stmt: sql.Composable | str, copy_rows: list[tuple[Any, ...]]) -> Outcome:
        """COPY ... FROM STDIN (COPY does not travel in a pipeline)."""
        self._notices.clear()
        started = time.perf_counter()
        self.statements += 1
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                with cur.copy(stmt) as copy:
                    for r in copy_rows:
                        copy.write_row(r)
                return Outcome(True, rowcount=cur.rowcount, notices=tuple(self._notices))
        except psycopg.Error as exc:
            self.check_alive(exc)
            return self.failure(exc, stmt)
        finally:
            self.seconds += time.perf_counter() - started

    def copy_out(self, stmt: sql.Composable, *, contained: bool = True) -> Outcome:
        """COPY ... TO STDOUT: the text is what the caller sees. Without `contained` the
        caller holds a savepoint that undoes an error."""
        self._notices.clear()
        self.statements += 1
        try:
            with (
                self.conn.transaction() if contained else nullcontext(),
                self.conn.cursor() as cur,
                cur.copy(stmt) as copy,
            ):
                data = b"".join(bytes(b) for b in copy)
            text = data.decode("utf-8", "replace")
            lines = tuple((line,) for line in text.splitlines())
            return Outcome(True, lines, ("copy",), len(lines), notices=tuple(self._notices))
        except psycopg.Error as exc:
            self.check_alive(exc)
            if fault_of(exc):
                self.failure(exc, stmt)
            return Outcome(
                False,
                sqlstate=exc.diag.sqlstate,
                error=exc.diag.message_primary or str(exc),
                detail=exc.diag.message_detail,
            )

    def render(self, stmt: sql.Composable | str, params: Any = None) -> str:
        return db.render(self.conn, stmt, params)
