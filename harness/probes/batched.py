"""`observe` and `act` for many declared statements at once, in volleys.

The outcomes come back in the shots' order, and an error of the harness (a timeout, a
lock) is raised only when the caller reaches its shot: what came before it counts, as if
the shots had run one by one.

Acts are judged in up to three volleys:

1. the WAL insert position around each statement: an unmoved position proves nothing
   was written (most probes are refused). On a small schema this volley reads the
   per-table write counters instead, and there is no second one.
2. for the shots whose position moved, the write counters around the statement again,
   which name the tables it wrote. A write that can reach only a few tables (by the
   schema's foreign keys, with no code of the schema's own: see `closure`) skips this.
3. the row-version summaries per owner of those tables around the statement once more.
   A count that moved for another owner is a change (rows deleted or inserted); new
   versions of as many rows are hashed by content, alone, when the caller reaches the
   shot, since an UPDATE may have written what was there.

Each volley runs every flight from the same savepoint, so a statement meets the same
state each time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from .. import db
from .context import WAL_POSITION, ProbeContext
from .oracle import Change, Checksums, as_checksums, checksum_query, touched
from .runner import Fault, Outcome, Step
from .volley import Landing, Shot, fire, settle

Result = tuple[Outcome, list[Change]]
FEW_REACHED = 8
"""A write that can reach at most this many tables (see `closure`) skips the second
volley: the third reads the row versions of all of them."""
CHUNK = 256
"""Shots per volley: enough that round trips no longer count, few enough that the
answers held at once (RETURNING rows, watch readings) stay small at any schema size."""
FEW_LEAVES = 32
"""Up to this many tables (partitions counted), the write counters cost less than a second
run of the statements that wrote: the first volley reads them instead of the WAL position."""


def observe_all(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Outcome]:
    """Each shot's statement as its actor, everything rolled back; a volley per
    `CHUNK` shots, fired when the caller reaches it (memory stays flat)."""
    for start in range(0, len(shots), CHUNK):
        yield from _observe(ctx, shots[start : start + CHUNK])


def act_all(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Result]:
    """Each shot's outcome and the changes to anybody else's rows; volleys per `CHUNK`
    shots, fired when the caller reaches them."""
    for start in range(0, len(shots), CHUNK):
        yield from _act(ctx, shots[start : start + CHUNK])


def _observe(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Outcome]:
    spec = ctx.config.context
    flights, ats = [], []
    for shot in shots:
        switch = db.switch_steps(shot.actor, spec)
        flights.append([*shot.setup, *switch, (shot.stmt, shot.params)])
        ats.append(len(shot.setup) + len(switch))
    landings = fire(ctx.runner, flights)
    ctx.runner.statements += len(shots)
    return (_settle(ctx, s, x, at) for s, x, at in zip(shots, landings, ats, strict=True))


def _act(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Result]:
    counted = ctx.counters and (not ctx.wal_watch or _leaves(ctx) <= FEW_LEAVES)
    if not (counted or ctx.wal_watch):  # no cheap proof: each act watches everything
        return (_alone(ctx, shot) for shot in shots)
    ctx.runner.statements += len(shots)
    results: list[Result | BaseException | None] = [None] * len(shots)
    moved: list[int] = []
    written: dict[int, set[str]] = {}
    watch = (ctx.watch_sql, None) if counted else (WAL_POSITION, None)
    for i, (outcome, first, last) in enumerate(_watched(ctx, shots, [watch] * len(shots))):
        if isinstance(outcome, BaseException):
            results[i] = outcome
            continue
        results[i] = (outcome, [])
        if not outcome.ok:
            continue  # a failed statement changed nothing
        if counted and first is not None and last is not None:
            tables = touched(as_checksums(first), as_checksums(last)) - set(ctx.world.faulted)
            if tables:
                written[i] = tables
        elif first is None or last is None or first != last:
            moved.append(i)
    unknown = []
    for i in moved:  # a write that reaches few tables: those are read in the third volley
        reach = ctx.writes.closure(shots[i].table) if shots[i].table else None
        if reach is not None and len(reach) <= FEW_REACHED:
            written[i] = set(reach) - set(ctx.world.faulted)
        else:
            unknown.append(i)
    if unknown:
        written.update(_written(ctx, shots, unknown, results))
    if written:
        _judge_written(ctx, shots, written, results)
    return _in_order(ctx, shots, results)


def _leaves(ctx: ProbeContext) -> int:
    return sum(len(oids) for oids in ctx.leaves.values())


def _written(
    ctx: ProbeContext, shots: Sequence[Shot], moved: list[int], results: list[Any]
) -> dict[int, set[str]]:
    """The second volley: the tables each statement that moved the WAL position wrote."""
    written: dict[int, set[str]] = {}
    watch = (ctx.watch_sql, None)
    counted = _watched(ctx, [shots[i] for i in moved], [watch] * len(moved))
    for i, (outcome, first, last) in zip(moved, counted, strict=True):
        if isinstance(outcome, BaseException):
            results[i] = outcome
        elif outcome.ok and first is not None and last is not None:
            tables = touched(as_checksums(first), as_checksums(last)) - set(ctx.world.faulted)
            if tables:
                written[i] = tables
    return written


def _judge_written(
    ctx: ProbeContext, shots: Sequence[Shot], written: dict[int, set[str]], results: list[Any]
) -> None:
    """The third volley: the row-version summaries of the tables each statement wrote,
    before and after it; a shot that moved someone else's is judged again, alone."""
    hashed = sorted(written)
    skip = ctx.world.faulted
    watches = [
        (checksum_query(ctx.scope, written[i], fast=True, skip=skip).as_string(ctx.conn), None)
        for i in hashed
    ]
    versions = _watched(ctx, [shots[i] for i in hashed], watches)
    for i, (outcome, before, after) in zip(hashed, versions, strict=True):
        if isinstance(outcome, BaseException):
            results[i] = outcome
            continue
        if not outcome.ok or before is None or after is None:
            continue
        counted, unsure = _counted(as_checksums(before), as_checksums(after), shots[i].actor.tenant)
        if unsure:  # new versions of someone else's rows, as many: hashed by content, alone
            results[i] = _Deferred(shots[i])
        elif counted:
            results[i] = (outcome, counted)


def _counted(before: Checksums, after: Checksums, actor: str | None) -> tuple[list[Change], bool]:
    """The changes to other owners' rows that their row counts prove (rows deleted or
    inserted), and whether some group got new versions of as many rows (an UPDATE, which
    only a hash of the content can tell from a no-op)."""
    found: list[Change] = []
    unsure = False
    for key in sorted(set(before) | set(after)):
        if key[1] == actor:
            continue
        b, a = before.get(key, ("", 0)), after.get(key, ("", 0))
        if b[1] != a[1]:
            found.append(Change(key[0], key[1], b[1], a[1]))
        elif b != a:
            unsure = True
    return found, unsure


class _Deferred:
    """A shot that changed someone else's row versions: judged by content when reached
    (rare: a leak, or a write the policies let through)."""

    def __init__(self, shot: Shot) -> None:
        self.shot = shot


def _watched(
    ctx: ProbeContext, shots: Sequence[Shot], watches: Sequence[Step]
) -> Iterator[tuple[Outcome | BaseException, Any, Any]]:
    """One volley of the shots, each with its watch read around its statement: the
    outcome (or the error to raise later) and the watch's rows before and after (None
    when they were not read)."""
    flights = [_flight(ctx, shot, watch) for shot, watch in zip(shots, watches, strict=True)]
    landings = fire(ctx.runner, [f for f, _ in flights])
    for shot, (_, at), landing in zip(shots, flights, landings, strict=True):
        try:
            outcome: Outcome | BaseException = _settle(ctx, shot, landing, at)
        except (Fault, psycopg.Error) as exc:
            yield _later(ctx, exc), None, None
            continue
        first, last = landing.answers[len(shot.setup)], landing.answers[-1]
        yield outcome, None if first is None else first.rows, None if last is None else last.rows


def _flight(ctx: ProbeContext, shot: Shot, watch: Step) -> tuple[list[Step], int]:
    """Setup, `watch`, the actor's statement, back to the login role, `watch` again;
    and the index of the statement."""
    spec = ctx.config.context
    switch = db.switch_steps(shot.actor, spec)
    steps = [*shot.setup, watch, *switch, (shot.stmt, shot.params), *db.restore_steps(spec)]
    return [*steps, watch], len(shot.setup) + 1 + len(switch)


def _later(ctx: ProbeContext, exc: BaseException) -> BaseException:
    """An error to raise when the caller reaches its shot; a lost connection now."""
    if ctx.conn.closed or ctx.conn.broken:
        raise exc
    return exc


def _in_order(ctx: ProbeContext, shots: Sequence[Shot], results: list[Any]) -> Iterator[Result]:
    """The results as the caller reaches them; each shot's table becomes the current
    one first, so that an error raised here is charged to it."""
    for shot, result in zip(shots, results, strict=True):
        if shot.table is not None:
            ctx.current = shot.table
        if isinstance(result, BaseException):
            raise result
        if isinstance(result, _Deferred):
            ctx.runner.statements -= 1  # the same probe statement, run again
            yield _alone(ctx, result.shot, quick=False)
            continue
        yield result


def _alone(ctx: ProbeContext, shot: Shot, *, quick: bool = True) -> Result:
    if shot.table is not None:
        ctx.current = shot.table
    outcome, changed, _ = ctx.act(shot.actor, shot.stmt, shot.params, setup=shot.setup, quick=quick)
    return outcome, changed


def _settle(ctx: ProbeContext, shot: Shot, landing: Landing, at: int) -> Outcome:
    if shot.table is not None:
        ctx.current = shot.table  # a fault is charged to the shot's table
    outcome = settle(ctx.runner, landing, at, shot.stmt)
    assert outcome is not None  # a skipped statement means an earlier step failed
    return outcome
