"""`observe` and `act` for many declared statements at once, in volleys.

The outcomes come back in the shots' order, and an error of the harness (a timeout, a
lock) is raised only when the caller reaches its shot: what came before it counts, as if
the shots had run one by one.

Acts are judged in up to three volleys. The first reads the WAL insert position around
each statement: an unmoved position proves nothing was written (most probes are refused).
For the shots whose position moved, the second reads the per-table write counters around
the statement again, which names the tables it wrote; the third reads those tables' row
version summaries per tenant around the statement once more, which tells whether anybody
but the actor had rows written. Only a shot that did (a leak, or a write the policies let
through) is hashed by content, alone, when the caller reaches it. Each
volley runs every flight from the same savepoint, so a statement runs against the same
state each time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from .. import db
from .context import WAL_POSITION, ProbeContext
from .oracle import Change, as_checksums, checksum_query, touched
from .runner import Fault, Outcome, Step
from .volley import Landing, Shot, fire, settle

Result = tuple[Outcome, list[Change]]


def observe_all(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Outcome]:
    """Each shot's statement as its actor, everything rolled back; one volley."""
    spec = ctx.config.context
    flights, ats = [], []
    for shot in shots:
        switch = db.switch_steps(shot.actor, spec)
        flights.append([*shot.setup, *switch, (shot.stmt, shot.params)])
        ats.append(len(shot.setup) + len(switch))
    landings = fire(ctx.runner, flights)
    ctx.runner.statements += len(shots)
    return (_settle(ctx, s, x, at) for s, x, at in zip(shots, landings, ats, strict=True))


def act_all(ctx: ProbeContext, shots: Sequence[Shot]) -> Iterator[Result]:
    """Each shot's outcome and the changes to anybody else's rows."""
    if not ctx.wal_watch:  # no proof from the WAL: each act watches everything
        return (_alone(ctx, shot) for shot in shots)
    ctx.runner.statements += len(shots)
    results: list[Result | BaseException | None] = [None] * len(shots)
    moved: list[int] = []
    quick = _watched(ctx, shots, (WAL_POSITION, None))
    for i, (_, outcome, first, last) in enumerate(quick):
        if isinstance(outcome, BaseException):
            results[i] = outcome
        elif outcome.ok and (first is None or last is None or first != last):
            moved.append(i)
            results[i] = (outcome, [])
        else:
            results[i] = (outcome, [])
    if moved:
        _judge_moved(ctx, [shots[i] for i in moved], moved, results)
    return _in_order(ctx, results)


def _judge_moved(
    ctx: ProbeContext, shots: list[Shot], where: list[int], results: list[Any]
) -> None:
    """The second and third volleys: which tables each statement wrote, then whose rows
    in them changed."""
    written: dict[int, set[str]] = {}
    counted = _watched(ctx, shots, (ctx.watch_sql, None))
    for i, (_, outcome, first, last) in zip(where, counted, strict=True):
        if isinstance(outcome, BaseException):
            results[i] = outcome
        elif outcome.ok and first is not None and last is not None:
            tables = touched(as_checksums(first), as_checksums(last))
            written[i] = tables - set(ctx.world.faulted)
    hashed = [i for i in where if written.get(i)]
    if not hashed:
        return
    by_index = dict(zip(where, shots, strict=True))
    skip = ctx.world.faulted
    queries = [
        checksum_query(ctx.scope, written[i], fast=True, skip=skip).as_string(ctx.conn)
        for i in hashed
    ]
    flights = [_flight(ctx, by_index[i], (q, None)) for i, q in zip(hashed, queries, strict=True)]
    landings = fire(ctx.runner, [f for f, _ in flights])
    for i, (_, at), landing in zip(hashed, flights, landings, strict=True):
        shot = by_index[i]
        try:
            outcome = _settle(ctx, shot, landing, at)
        except (Fault, psycopg.Error) as exc:
            results[i] = _later(ctx, exc)
            continue
        before, after = landing.answers[len(shot.setup)], landing.answers[-1]
        if not outcome.ok or before is None or after is None:
            continue
        if touched(as_checksums(before.rows), as_checksums(after.rows), shot.actor.tenant):
            results[i] = _Deferred(shot)  # someone else's rows: hashed by content, alone


class _Deferred:
    """A shot that changed someone else's row versions: judged by content when reached
    (rare: a leak, or a write the policies let through)."""

    def __init__(self, shot: Shot) -> None:
        self.shot = shot


def _watched(
    ctx: ProbeContext, shots: Sequence[Shot], watch: Step
) -> Iterator[tuple[Shot, Outcome | BaseException, Any, Any]]:
    """One volley of the shots with `watch` read around each statement: the outcome (or
    the error to raise later) and the watch's rows before and after (None if not run)."""
    flights = [_flight(ctx, shot, watch) for shot in shots]
    landings = fire(ctx.runner, [f for f, _ in flights])
    for shot, (_, at), landing in zip(shots, flights, landings, strict=True):
        try:
            outcome: Outcome | BaseException = _settle(ctx, shot, landing, at)
        except (Fault, psycopg.Error) as exc:
            yield shot, _later(ctx, exc), None, None
            continue
        first, last = landing.answers[len(shot.setup)], landing.answers[-1]
        yield (
            shot,
            outcome,
            None if first is None else first.rows,
            None if last is None else last.rows,
        )


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


def _in_order(ctx: ProbeContext, results: list[Any]) -> Iterator[Result]:
    for result in results:
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
