"""Probe flights fired in volleys: many flights in one pipeline, none waiting for another.

A probe that declares its statements up front does not need one round trip per
statement. Each flight of a volley begins by rolling back to the volley's savepoint, so it
starts from the same state whatever the flight before it did or however it failed, and
ends with a Sync, so an error skips only the rest of its own flight. The client keeps
sending while the server answers: a window of flights is sent before the previous
window's answers are read, so neither side waits for the other.

This speaks libpq's pipeline through `psycopg.pq` directly: psycopg's own pipeline raises
the first error of a volley and keeps no per-statement errors, but every error here is an
answer the oracles need. Statements are rendered client-side (`ClientCursor.mogrify`),
exactly as the reproducers show them.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg.adapt import Transformer
from psycopg.errors import error_from_result

from .runner import FAULT_STATES, RELEASE, ROLLBACK_TO, SAVEPOINT, Fault, Outcome, Runner, Step

VOLLEY_SAVEPOINT = "rls_audit_volley"
WINDOW = 48
"""Flights sent ahead of the ones being read: enough to keep the server busy, few enough
that a large answer never leaves both sides blocked on full socket buffers."""

_ERROR = pq.ExecStatus.FATAL_ERROR
_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_SYNC = pq.ExecStatus.PIPELINE_SYNC
_TUPLES = pq.ExecStatus.TUPLES_OK
_FIELD = pq.DiagnosticField


@dataclass(frozen=True, slots=True)
class Shot:
    """One declared probe statement: run `setup` as the login role, then the statement as
    `actor`; a fault is charged to `table`."""

    actor: Any
    stmt: sql.Composable | str
    params: Any = None
    setup: tuple[Step, ...] = ()
    table: str | None = None


@dataclass(slots=True)
class Landing:
    """What came back for one flight: an outcome per step that ran (None for the steps
    an earlier error skipped), and the index of the step that failed."""

    answers: list[Outcome | None]
    failed: int | None
    notices: tuple[str, ...]
    errors: dict[int, psycopg.Error]


def fire(runner: Runner, flights: Sequence[Sequence[Step]], *, keep: bool = False) -> list[Landing]:
    """Send every flight, each after a rollback to the volley's savepoint and before a
    Sync; return one landing per flight, in order. Leaves the transaction as it found it
    (the savepoint is rolled back and released).

    With `keep`, what a flight that succeeds wrote stays: it releases the savepoint and
    takes a new one after its last step, so the next flight's rollback undoes only a
    failure. Rows are then written as fast as the server takes them, and a rejected one
    costs nothing but its own flight."""
    conn = runner.conn
    if not flights:
        return []
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    cur = psycopg.ClientCursor(conn)
    rollback = _encode(conn, runner.savepoint(ROLLBACK_TO, VOLLEY_SAVEPOINT))
    release = _encode(conn, runner.savepoint(RELEASE, VOLLEY_SAVEPOINT))
    opening = [_encode(conn, runner.savepoint(SAVEPOINT, VOLLEY_SAVEPOINT))]
    tail = [release, opening[0]] if keep else []
    texts = [[rollback, *(_render(cur, conn, s, p) for s, p in fl), *tail] for fl in flights]
    closing = [rollback, release]
    runner._notices.clear()
    wire = _Wire(conn, runner)
    started = time.perf_counter()
    landings: list[Landing] = []
    with wire:
        wire.send(opening)
        opened = wire.read(len(opening))
        windows = [texts[i : i + WINDOW] for i in range(0, len(texts), WINDOW)]
        wire.send_all(windows[0])
        for k, window in enumerate(windows):
            if k + 1 < len(windows):
                wire.send_all(windows[k + 1])
            landings += [wire.read(len(t)) for t in window]
        wire.send(closing)
        closed = wire.read(len(closing))
    runner.seconds += time.perf_counter() - started
    for own in (opened, closed):
        if own.failed is not None:
            runner.raise_error(own.errors[own.failed])
    # drop the leading rollback (and the kept tail): step i of the flight is answer i
    end = -len(tail) or None
    return [
        Landing(
            x.answers[1:end],
            None if x.failed is None else x.failed - 1,
            x.notices,
            {i - 1: e for i, e in x.errors.items()},
        )
        for x in landings
    ]


def settle(runner: Runner, landing: Landing, at: int, statement: Any = None) -> Outcome | None:
    """The probe statement's outcome (step `at`): an error of one of the harness's own
    steps is raised, a timeout raises `Fault`; None when the statement never ran."""
    failed = landing.failed
    if failed is not None and failed != at:
        runner.raise_error(landing.errors[failed], statement)
    answer = landing.answers[at]
    if answer is not None and not answer.ok and answer.sqlstate in FAULT_STATES:
        text = runner.render(statement) if statement is not None else ""
        raise Fault(FAULT_STATES[answer.sqlstate], answer.sqlstate, answer.error or "", text)
    return answer


def _render(
    cur: psycopg.ClientCursor[Any], conn: psycopg.Connection[Any], stmt: Any, params: Any
) -> bytes:
    if params is None:
        text = stmt.as_string(conn) if isinstance(stmt, sql.Composable) else stmt
    else:
        text = cur.mogrify(stmt, params)
    return _encode(conn, text)


def _encode(conn: psycopg.Connection[Any], text: str) -> bytes:
    return text.encode(conn.info.encoding)


class _Wire:
    """The connection in pipeline mode, sending and reading without blocking each other."""

    def __init__(self, conn: psycopg.Connection[Any], runner: Runner) -> None:
        self.conn = conn
        self.pgconn = conn.pgconn
        self.runner = runner
        self.encoding = conn.info.encoding
        self.tx = Transformer(conn)
        self.fd = self.pgconn.socket
        self.syncs = 0
        """Syncs sent whose answer has not been read yet."""

    def __enter__(self) -> _Wire:
        self.pgconn.enter_pipeline_mode()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self._drain()
        if self.pgconn.status == pq.ConnStatus.OK:
            try:
                self.pgconn.exit_pipeline_mode()
            except psycopg.OperationalError:
                if exc[0] is None:
                    raise

    def _drain(self) -> None:
        """After an error of ours mid-volley: read what the server still owes, so the
        connection leaves pipeline mode usable (the audit goes on, or reports)."""
        try:
            while self.syncs and self.pgconn.status == pq.ConnStatus.OK:
                res = self._result()
                if res is not None and res.status == _SYNC:
                    self.syncs -= 1
        except psycopg.Error:
            pass

    def send(self, texts: Sequence[bytes]) -> None:
        self.send_all([texts])

    def send_all(self, flights: Sequence[Sequence[bytes]]) -> None:
        for texts in flights:
            for text in texts:
                self.pgconn.send_query_params(text, None)
            self.pgconn.pipeline_sync()
            self.syncs += 1
        self._flush()

    def _flush(self) -> None:
        """Push what libpq holds, reading answers meanwhile so the server never stalls."""
        while self.pgconn.flush() == 1:
            readable, _, _ = select.select([self.fd], [self.fd], [])
            if readable:
                self.pgconn.consume_input()

    def _result(self) -> pq.abc.PGresult | None:
        while self.pgconn.is_busy():
            pending = self.pgconn.flush() == 1
            select.select([self.fd], [self.fd] if pending else [], [])
            self.pgconn.consume_input()
        return self.pgconn.get_result()

    def read(self, steps: int) -> Landing:
        """The answers of one flight of `steps` statements and its Sync."""
        notices = self.runner._notices
        answers: list[Outcome | None] = []
        errors: dict[int, psycopg.Error] = {}
        failed = None
        for i in range(steps):
            res = self._result()
            if res is None:
                raise psycopg.OperationalError("the server stopped answering the volley")
            while self._result() is not None:  # the end of this statement's results
                pass
            if res.status == _ABORTED:
                answers.append(None)
                continue
            if res.status == _ERROR:
                failed = i
                errors[i] = error_from_result(res, encoding=self.encoding)
            answers.append(self._outcome(res))
        res = self._result()
        if res is None or res.status != _SYNC:
            raise psycopg.OperationalError("the volley lost its place in the pipeline")
        self.syncs -= 1
        if self.conn.closed or self.conn.broken or self.pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError("the connection was lost during the probes")
        heard = tuple(notices)  # this flight's: libpq parses no further than its Sync
        notices.clear()
        return Landing(answers, failed, heard, errors)

    def _outcome(self, res: pq.abc.PGresult) -> Outcome:
        if res.status == _ERROR:
            return Outcome(
                False,
                sqlstate=self._field(res, _FIELD.SQLSTATE),
                constraint=self._field(res, _FIELD.CONSTRAINT_NAME),
                error=self._field(res, _FIELD.MESSAGE_PRIMARY),
                detail=self._field(res, _FIELD.MESSAGE_DETAIL),
                notices=tuple(self.runner._notices),
            )
        rows: list[tuple[Any, ...]] = []
        columns: tuple[str, ...] = ()
        if res.status == _TUPLES:
            rows = self._rows(res)
            columns = tuple((res.fname(i) or b"").decode(self.encoding) for i in range(res.nfields))
        count = res.command_tuples
        rowcount = count if count is not None else -1
        return Outcome(True, tuple(rows), columns, rowcount, notices=tuple(self.runner._notices))

    def _rows(self, res: pq.abc.PGresult) -> list[tuple[Any, ...]]:
        """The rows as Python values; as text when a value has none (a timestamp of
        'infinity', a year past 9999): the oracles read text, and the volley must go on."""
        try:
            self.tx.set_pgresult(res)
            return self.tx.load_rows(0, res.ntuples, tuple)
        except psycopg.DataError:
            return [
                tuple(self._text(res.get_value(r, c)) for c in range(res.nfields))
                for r in range(res.ntuples)
            ]

    def _text(self, value: bytes | None) -> str | None:
        return None if value is None else value.decode(self.encoding, "replace")

    def _field(self, res: pq.abc.PGresult, field: pq.DiagnosticField) -> str | None:
        value = res.error_field(field)
        return value.decode(self.encoding, "replace") if value is not None else None
