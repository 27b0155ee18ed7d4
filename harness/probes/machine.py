"""A Hypothesis state machine: several tenants' operations on one table, interleaved,
checked against a Python model of who owns which row.

Single probes test one statement from a clean state; a leak that needs a sequence (A
moves a row, then B sees it; A deletes, then re-reads) only shows up when operations
pile up. Each example runs in a savepoint that is rolled back; the steps' writes persist
within it. A violation is shrunk by Hypothesis to a minimal sequence, returned as plain
SQL that reproduces it in psql.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Verbosity, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, rule
from psycopg import sql

from .. import db
from ._base import ident, where
from ._writes import updatable_column
from .context import ProbeContext
from .population import Tenant
from .scope import TableScope


@dataclass(frozen=True, slots=True)
class Violation:
    table: str
    message: str
    steps: tuple[str, ...]
    """The minimal sequence, one SQL block per step (prelude, statement, reset role)."""
    reproducer: str


@dataclass
class Tally:
    """What the machine tried, so that a run that found nothing still says what it did."""

    tables: list[str] = field(default_factory=list)
    sequences: int = 0
    """Examples run (each one a sequence of steps from the seeded state), shrinking included."""
    steps: int = 0
    """Statements run by the tenants, over all sequences."""


class _Log:
    """What the current example ran; the last failing example is the shrunk one."""

    def __init__(self, tally: Tally) -> None:
        self.steps: list[str] = []
        self.tally = tally


def explore(
    ctx: ProbeContext,
    ts: TableScope,
    role: str = "authenticated",
    *,
    tenants: int = 3,
    examples: int = 25,
    steps: int = 8,
    tally: Tally | None = None,
    seed: int = 0,
) -> Violation | None:
    """Interleave `tenants` tenants' reads and writes on `ts`; the minimal violation."""
    if not explorable(ctx, ts, tenants):
        return None
    cast = _cast(ctx, ts, tenants)
    log = _Log(tally if tally is not None else Tally())
    log.tally.tables.append(ts.name)
    machine = _machine(ctx, ts, role, tuple(cast), log)
    config = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    try:
        # a fixed seed: the same sequences on every run (and no digest of the test's source)
        fixed_seed(seed)(get_state_machine_test(machine, settings=config))()
    except AssertionError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "isolation violated"
        seed = ctx.seed_sql(
            [r for t in cast for r in ctx.world.owned(ts.name, t.id)], [t.id for t in cast]
        )
        text = "\n".join(["BEGIN;", "-- seed, as the login role", *seed, *log.steps, "ROLLBACK;"])
        return Violation(ts.name, message, tuple(log.steps), text)
    return None


def _cast(ctx: ProbeContext, ts: TableScope, tenants: int) -> list[Tenant]:
    return [t for t in ctx.world.tenants if ctx.world.owned(ts.name, t.id)][:tenants]


def explorable(ctx: ProbeContext, ts: TableScope, tenants: int = 3) -> bool:
    """A tenant table with a key whose seeded rows belong to at least two tenants."""
    if not ts.is_tenant or not ts.pk or ts.tenant_key is None:
        return False
    return len(_cast(ctx, ts, tenants)) >= 2


def _machine(
    ctx: ProbeContext, ts: TableScope, role: str, cast: tuple[Tenant, ...], log: _Log
) -> type[RuleBasedStateMachine]:
    key = ts.tenant_key
    assert key is not None
    pk = list(ts.pk)
    column = updatable_column(ctx, ts, role)
    who = st.integers(0, len(cast) - 1)
    pick = st.integers(0, 1 << 16)
    ids = {t.id for t in cast}

    def record(command: str, *, own: bool | None = None, leaked: bool | None = None) -> None:
        """Into the access matrix, like the single-statement probes; an error is no cell."""
        ctx.matrix.record(
            ts.name,
            command,
            role,
            own=None if own is None else ("allowed" if own else "denied"),
            other=None if leaked is None else ("leaked" if leaked else "denied"),
        )

    class Ownership(RuleBasedStateMachine):
        """The model: primary key -> owning tenant, as the harness seeded it."""

        def __init__(self) -> None:
            super().__init__()
            log.steps = []
            log.tally.sequences += 1
            self.owner: dict[tuple[str, ...], str] = {}
            for t in cast:
                for r in ctx.world.owned(ts.name, t.id):
                    self.owner[tuple(str(r.values[c]) for c in pk)] = t.id
            self.savepoint = db.savepoint(ctx.conn)
            self.savepoint.__enter__()

        def teardown(self) -> None:
            self.savepoint.__exit__(None, None, None)

        def run(self, tenant: Tenant, stmt: sql.Composable, params: list[Any]):
            actor = ctx.actor(role, tenant)
            log.tally.steps += 1
            db.become(ctx.conn, actor, ctx.config.context)
            try:
                out = ctx.runner.attempt(stmt, params)
            finally:
                db.restore(ctx.conn, ctx.config.context)
            prelude = db.reproducer_prelude(actor, ctx.config.context, ctx.conn)
            log.steps.append(
                f"-- {actor.label}\n{prelude}\n{ctx.runner.render(stmt, params)};\nreset role;"
            )
            return out

        def row_of(self, tenant: Tenant, n: int) -> tuple[str, ...] | None:
            rows = sorted(k for k, v in self.owner.items() if v == tenant.id)
            return rows[n % len(rows)] if rows else None

        @rule(a=who)
        def read(self, a: int) -> None:
            tenant = cast[a]
            stmt = sql.SQL("select {}, {}::text from {}").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in pk),
                sql.Identifier(key),
                ident(ts),
            )
            out = self.run(tenant, stmt, [])
            seen = set()
            for row in out.rows if out.ok else ():
                held = self.owner.get(tuple(row[:-1]))
                if row[-1] != tenant.id or (held is not None and held != tenant.id):
                    seen.add(held or row[-1])
            record("SELECT", own=bool(out.ok and out.rows), leaked=bool(seen))
            if seen:  # name a victim the reproducer seeds, when there is one
                victim = min(seen, key=lambda v: (v not in ids, v))
                raise AssertionError(f"tenant {tenant.id} reads a row of {victim} in {ts.name}")

        @rule(a=who, b=who, n=pick)
        def update(self, a: int, b: int, n: int) -> None:
            target = self.row_of(cast[b], n)
            if target is None or column is None:
                return
            stmt = sql.SQL("update {} set {} = {} where {}").format(
                ident(ts), sql.Identifier(column), sql.Identifier(column), where(pk)
            )
            out = self.run(cast[a], stmt, list(target))
            changed = bool(out.ok and out.rowcount)
            record("UPDATE", own=changed if a == b else None, leaked=changed if a != b else None)
            if a != b and changed:
                raise AssertionError(
                    f"tenant {cast[a].id} updates a row of {cast[b].id} in {ts.name}"
                )

        @rule(a=who, b=who, n=pick)
        def move(self, a: int, b: int, n: int) -> None:
            target = self.row_of(cast[a], n)
            if target is None or a == b:
                return
            stmt = sql.SQL("update {} set {} = {} where {}").format(
                ident(ts), sql.Identifier(key), sql.Placeholder(), where(pk)
            )
            out = self.run(cast[a], stmt, [cast[b].id, *target])
            record("UPDATE", leaked=bool(out.ok and out.rowcount))
            if out.ok and out.rowcount:
                raise AssertionError(
                    f"tenant {cast[a].id} moves its row into tenant {cast[b].id} in {ts.name}"
                )

        @rule(a=who, b=who, n=pick)
        def delete(self, a: int, b: int, n: int) -> None:
            target = self.row_of(cast[b], n)
            if target is None:
                return
            stmt = sql.SQL("delete from {} where {}").format(ident(ts), where(pk))
            out = self.run(cast[a], stmt, list(target))
            changed = bool(out.ok and out.rowcount)
            record("DELETE", own=changed if a == b else None, leaked=changed if a != b else None)
            if not changed:
                return
            if a != b:
                raise AssertionError(
                    f"tenant {cast[a].id} deletes a row of {cast[b].id} in {ts.name}"
                )
            self.owner.pop(target, None)

    return Ownership
