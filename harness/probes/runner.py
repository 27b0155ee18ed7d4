"""Run one statement as whoever the session is now, and keep everything observable.

Rows, RETURNING, the row count, the error (state, constraint, message, detail) and the
notices are all outputs an attacker sees, so all of them are kept for the oracles. Each
statement runs in its own savepoint: an error never aborts the probe's transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from .. import db

PERMISSION_DENIED = "42501"
RLS_VIOLATION_TEXT = "row-level security"


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
class Runner:
    """Executes statements on one connection, counting them for the benchmark."""

    conn: psycopg.Connection[Any]
    statements: int = 0
    seconds: float = 0.0
    _notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.conn.add_notice_handler(lambda d: self._notices.append(d.message_primary or ""))

    def attempt(
        self,
        stmt: sql.Composable | str,
        params: Any = None,
        *,
        copy_rows: list[tuple[Any, ...]] | None = None,
    ) -> Outcome:
        """Run `stmt` in a savepoint; an error is an outcome, not an exception."""
        self._notices.clear()
        started = time.perf_counter()
        self.statements += 1
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                if copy_rows is not None:
                    with cur.copy(stmt) as copy:
                        for r in copy_rows:
                            copy.write_row(r)
                    return Outcome(True, rowcount=cur.rowcount, notices=tuple(self._notices))
                cur.execute(stmt, params)
                rows: list[tuple[Any, ...]] = []
                columns: tuple[str, ...] = ()
                if cur.description is not None:
                    rows = cur.fetchall()
                    columns = tuple(c.name for c in cur.description)
                return Outcome(
                    True, tuple(rows), columns, cur.rowcount, notices=tuple(self._notices)
                )
        except psycopg.Error as exc:
            diag = exc.diag
            return Outcome(
                False,
                sqlstate=diag.sqlstate,
                constraint=diag.constraint_name,
                error=diag.message_primary or str(exc).strip().splitlines()[0],
                detail=diag.message_detail,
                notices=tuple(self._notices),
            )
        finally:
            self.seconds += time.perf_counter() - started

    def copy_out(self, stmt: sql.Composable) -> Outcome:
        """COPY ... TO STDOUT: the text is what the caller sees."""
        self._notices.clear()
        self.statements += 1
        try:
            with self.conn.transaction(), self.conn.cursor() as cur, cur.copy(stmt) as copy:
                data = b"".join(bytes(b) for b in copy)
            text = data.decode("utf-8", "replace")
            lines = tuple((line,) for line in text.splitlines())
            return Outcome(True, lines, ("copy",), len(lines), notices=tuple(self._notices))
        except psycopg.Error as exc:
            return Outcome(
                False,
                sqlstate=exc.diag.sqlstate,
                error=exc.diag.message_primary or str(exc),
                detail=exc.diag.message_detail,
            )

    def render(self, stmt: sql.Composable | str, params: Any = None) -> str:
        return db.render(self.conn, stmt, params)
