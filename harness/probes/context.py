"""What every probe gets: the connection, the scope, the generated world and the oracles.

Probes never open connections or set identity themselves; they ask the context to act as
an actor (`observe` for reads, `act` for anything that may write, which also compares
every other tenant's checksums before and after) and to write reproducers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import psycopg
from psycopg import sql

from .. import db
from ..catalog import Catalog, Table
from ..findings.model import ObjectRef
from . import reproduce
from .closure import WriteGraph, write_graph
from .matrix import MatrixRecorder
from .oracle import (
    LEAVES,
    Canaries,
    Change,
    Checksums,
    activity_query,
    as_checksums,
    changes,
    checksum_query,
    checksums,
    touched,
)
from .population import Populator, SeedRow, Tenant, World
from .runner import RELEASE, ROLLBACK_TO, SAVEPOINT, Outcome, Runner
from .scope import Scope
from .volley import Shot

Profile = Literal["quick", "deep"]
ACT_SAVEPOINT = "rls_audit_act"
STMT_SAVEPOINT = "rls_audit_statement"
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@dataclass(frozen=True, slots=True)
class ProbeConfig:
    roles: tuple[str, ...] = ("authenticated", "anon")
    context: db.ContextSpec = field(default_factory=db.ContextSpec)
    profile: Profile = "quick"
    tenants: int = 20
    seed: int = 0
    adversary: Literal["api", "sql"] = "api"
    timeouts: db.Timeouts = field(default_factory=db.Timeouts)

    @property
    def acting_tenants(self) -> int:
        """How many tenants take the attacker's seat."""
        return 1 if self.profile == "quick" else 3

    @property
    def victims(self) -> int:
        """How many other tenants each attacker aims at, per probe."""
        return 2 if self.profile == "quick" else 6


WAL_POSITION = "select pg_catalog.pg_current_wal_insert_lsn()::text"

WAL_WATCHABLE = (
    "select pg_catalog.current_setting('wal_level') <> 'minimal'"
    " and not pg_catalog.pg_is_in_recovery() and not exists ("
    " select from pg_catalog.pg_class where oid = any(%s::oid[]) and relpersistence <> 'p')"
)
"""Whether every row write to the tenant tables is WAL-logged: not at wal_level minimal
(a table truncated in the transaction skips WAL), not for unlogged or temporary tables,
and the position is readable (not during recovery)."""


@dataclass
class ProbeContext:
    conn: psycopg.Connection[Any]
    catalog: Catalog
    scope: Scope
    world: World
    config: ProbeConfig
    runner: Runner
    matrix: MatrixRecorder = field(default_factory=MatrixRecorder)
    conn_factory: Callable[[], psycopg.Connection[Any]] | None = None
    baseline: Checksums = field(default_factory=dict)
    baseline_versions: Checksums = field(default_factory=dict)
    populator: Populator | None = None
    _privileges: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _subs: dict[str, str | None] = field(default_factory=dict)
    _keys: dict[str, dict[tuple[str, str], None]] = field(default_factory=dict)
    """Checksum keys per table, so that an act reads only the tables it touched."""

    # -- who ----------------------------------------------------------------------------
    current: str | None = None
    """The relation the running probe works on: a fault is charged to it."""
    passed_over: dict[str, str] = field(default_factory=dict)
    """Tables the running probe leaves out after a fault it met there."""
    faults: list[str] = field(default_factory=list)
    """Messages of the faults met while probing, for the stage's result."""
    counters: bool = False
    """Whether the server counts row writes (track_counts): acts then watch the counts."""
    leaves: dict[str, list[int]] = field(default_factory=dict)
    wal_watch: bool = False
    writes: WriteGraph = field(default_factory=WriteGraph)
    """Which tables a write to each table can reach (see `closure`)."""
    """Whether an act may first watch only the WAL insert position (see `_act_quick`)."""

    @property
    def faulted(self) -> dict[str, str]:
        """Tables the stage could not probe (lock or statement timeout), with the reason."""
        return self.world.faulted

    def mark_faulted(self, table: str, reason: str) -> None:
        """Leave `table` out of every later probe and of the checksums."""
        self.world.faulted.setdefault(table, reason)
        for sums in (self.baseline, self.baseline_versions):
            for key in [k for k in sums if k[0] == table]:
                del sums[key]
        for cached in ("checksum_sql", "versions_sql", "watch_sql"):
            self.__dict__.pop(cached, None)

    def reachable(self, name: str) -> bool:
        """False for a faulted table; otherwise it becomes the current one."""
        if name in self.world.faulted or name in self.passed_over:
            return False
        self.current = name
        return True

    @cached_property
    def checksum_sql(self) -> sql.Composed:
        return checksum_query(self.scope, skip=self.world.faulted)

    @cached_property
    def versions_sql(self) -> sql.Composed:
        return checksum_query(self.scope, fast=True, skip=self.world.faulted)

    @cached_property
    def watch_sql(self) -> str:
        """What an act reads before and after its statement to see what it wrote (as
        text: composed once, not at every act)."""
        if self.counters:
            return activity_query(self.leaves, skip=self.world.faulted).as_string(self.conn)
        return self.versions_sql.as_string(self.conn)

    def take_baseline(self) -> None:
        """Content and row-version checksums of every table, as the login role."""
        self._keys = {}
        self.baseline = checksums(self.conn, self.checksum_sql)
        self.baseline_versions = checksums(self.conn, self.versions_sql)
        row = self.conn.execute("select pg_catalog.current_setting('track_counts')").fetchone()
        self.counters = bool(row and row[0] == "on")
        names = list(self.scope.order)
        oids = [self.scope.tables[n].table.oid for n in names]
        self.leaves = {}
        for name, oid in self.conn.execute(LEAVES, (names, oids)).fetchall():
            self.leaves.setdefault(name, []).append(oid)
        row = self.conn.execute(WAL_WATCHABLE, ([o for v in self.leaves.values() for o in v],))
        self.wal_watch = bool(row.fetchone()[0])
        self.writes = write_graph(self.conn, self.leaves)

    def _changed(self, moved: set[str], actor: str | None) -> list[Change]:
        """Rows of anyone but `actor` changed in the tables of `moved`, hashed again by
        content; every other table is as in the baseline, so it is not even looked at."""
        if not moved:
            return []
        query = checksum_query(self.scope, moved, skip=self.world.faulted)
        return changes(self._of(self.baseline, moved), checksums(self.conn, query), actor)

    def _of(self, sums: Checksums, tables: set[str]) -> Checksums:
        """The entries of `tables` only: an act costs what it touched, not the schema."""
        if not self._keys:
            for key in (*self.baseline, *self.baseline_versions):
                self._keys.setdefault(key[0], {})[key] = None
        return {k: sums[k] for t in tables for k in self._keys.get(t, ()) if k in sums}

    @cached_property
    def canaries(self) -> Canaries:
        return Canaries(self.world)

    def sub_for(self, tenant: Tenant) -> str | None:
        """A user id of the tenant for `sub`: a value its rows reference in schema auth
        (looked up once per tenant: every act of an actor needs it)."""
        if tenant.id not in self._subs:
            self._subs[tenant.id] = self._find_sub(tenant)
        return self._subs[tenant.id]

    def _find_sub(self, tenant: Tenant) -> str | None:
        for ts in self.scope.tenant_tables():
            for fk in ts.fks:
                if fk.ref_table.startswith("auth."):
                    for row in self.world.owned(ts.name, tenant.id):
                        value = row.values.get(fk.columns[0])
                        if value is not None:
                            return str(value)
        return None

    def actor(self, role: str, tenant: Tenant | None, raw: str | None = None) -> db.Actor:
        sub = self.sub_for(tenant) if tenant is not None else None
        return db.Actor(role=role, tenant=tenant.id if tenant else None, sub=sub, raw=raw)

    def attackers(self) -> list[Tenant]:
        """Tenants that act; the first ones have rows in every table (largest first)."""
        ranked = sorted(self.world.tenants, key=lambda t: (-t.size, t.index))
        return ranked[: self.config.acting_tenants]

    def victims(self, attacker: Tenant) -> list[Tenant]:
        others = [t for t in self.world.tenants if t.id != attacker.id]
        return others[: self.config.victims]

    def privileges(self, role: str, relation: Table) -> set[str]:
        key = (role, relation.qualified_name)
        if key not in self._privileges:
            privs = [p for p in PRIVILEGES if relation.is_table or p == "SELECT"]
            row = self.conn.execute(
                sql.SQL("select {}").format(
                    sql.SQL(", ").join(
                        sql.SQL("pg_catalog.has_table_privilege({}, {}::oid, {})").format(
                            sql.Literal(role), sql.Literal(relation.oid), sql.Literal(p)
                        )
                        for p in privs
                    )
                )
            ).fetchone()
            self._privileges[key] = {p for p, ok in zip(privs, row or (), strict=False) if ok}
        return self._privileges[key]

    def column_privilege(self, role: str, relation: Table, column: str, privilege: str) -> bool:
        key = (role, f"{relation.qualified_name}.{column}:{privilege}")
        if key not in self._privileges:
            self._privileges[key] = (
                {"yes"} if self._column_privilege(role, relation, column, privilege) else set()
            )
        return bool(self._privileges[key])

    def _column_privilege(self, role: str, relation: Table, column: str, privilege: str) -> bool:
        row = self.conn.execute(
            "select pg_catalog.has_column_privilege(%s, %s::oid, %s, %s)",
            (role, relation.oid, column, privilege),
        ).fetchone()
        return bool(row and row[0])

    # -- acting -------------------------------------------------------------------------
    def observe(self, actor: db.Actor, stmt: sql.Composable | str, params: Any = None) -> Outcome:
        """Run a statement as the actor and roll everything back: one flight."""
        before = db.switch_steps(actor, self.config.context)
        return self.runner.run_probe(stmt, params, before=before)[0]

    def observe_all(self, shots: Sequence[Shot]) -> Iterator[Outcome]:
        """`observe` for every shot, in one volley (see `batched`)."""
        from .batched import observe_all

        return observe_all(self, shots)

    def act_all(self, shots: Sequence[Shot]) -> Iterator[tuple[Outcome, list[Change]]]:
        """`act` for every shot, in volleys (see `batched`)."""
        from .batched import act_all

        return act_all(self, shots)

    def observe_copy(self, actor: db.Actor, stmt: sql.Composable) -> Outcome:
        """COPY TO as the actor (COPY does not travel in a pipeline): a flight opens the
        savepoint and becomes the actor, the copy runs, a flight rolls everything back."""
        runner = self.runner
        opening = [(runner.savepoint(SAVEPOINT, ACT_SAVEPOINT), None)]
        fl = runner.flight([*opening, *db.switch_steps(actor, self.config.context)])
        try:
            if fl.error is not None:
                runner.raise_error(fl.error)
            outcome = runner.copy_out(stmt, contained=False)
        except BaseException:
            self._close(quiet=True)
            raise
        self._close()
        return outcome

    def act(
        self,
        actor: db.Actor,
        stmt: sql.Composable | str,
        params: Any = None,
        *,
        setup: Iterable[tuple[sql.Composable | str, Any]] = (),
        copy_rows: list[tuple[Any, ...]] | None = None,
        then: Callable[[], Any] | None = None,
        quick: bool = True,
    ) -> tuple[Outcome, list[Change], Any]:
        """Act as `actor` in a savepoint; return the outcome, the changes to anybody
        else's rows (checksums before and after, read as the login role), and what
        `then` observed afterwards (still inside the savepoint, as the login role).

        The savepoint, the role switch, the statement, the switch back and the row
        version summaries travel in one flight; contents are hashed again only for the
        tables whose versions moved for someone other than the actor."""
        setup = list(setup)
        if self.wal_watch and quick:
            if copy_rows is None:
                fast = self._act_quick(actor, stmt, params, setup, then)
            else:
                fast = self._copy_quick(actor, stmt, copy_rows, setup)
            if fast is not None:
                return fast
            self.runner.statements -= 1  # the same probe statement, run again with the watch
        watch = (self.watch_sql, None)
        try:
            if copy_rows is not None:
                prefix = self._act_prefix(setup, watch)
                outcome, watched = self._copy_act(actor, stmt, copy_rows, prefix)
            else:
                outcome, watched = self._watched(actor, stmt, params, setup, then, watch)
            if setup:
                found, extra = self._setup_changes(watched, actor.tenant, then)
            else:
                moved = self._moved(self.baseline_versions, watched, actor.tenant)
                found = self._changed(moved, actor.tenant)
                extra = then() if then is not None else None
        except BaseException:
            self._close(quiet=True)
            raise
        self._close()
        return outcome, found, extra

    def _act_quick(
        self,
        actor: db.Actor,
        stmt: sql.Composable | str,
        params: Any,
        setup: list[tuple[sql.Composable | str, Any]],
        then: Callable[[], Any] | None,
    ) -> tuple[Outcome, list[Change], Any] | None:
        """The act with the WAL insert position read before and after the statement
        instead of every table's write counters (which cost milliseconds per read with a
        thousand tables). Every row written to a permanent table is WAL-logged, so an
        unmoved position proves nothing was written and nobody's rows changed; a moved one
        (our write, or any other session's) returns None and the act is run again with
        the full watch. Most probes are refused, so most acts end here."""
        try:
            outcome, watched = self._watched(actor, stmt, params, setup, then, (WAL_POSITION, None))
            if watched is not None and watched[0] != watched[1]:
                self._close()
                return None
            extra = then() if then is not None else None
        except BaseException:
            self._close(quiet=True)
            raise
        self._close()
        return outcome, [], extra

    def _act_prefix(self, setup: list[Any], watch: tuple[str, None]) -> list[Any]:
        """The act's savepoint, its setup statements and the first watch read."""
        runner = self.runner
        prefix: list[Any] = [(runner.savepoint(SAVEPOINT, ACT_SAVEPOINT), None), *setup]
        if setup:  # the statement gets a savepoint of its own, to be undone alone
            prefix.append((runner.savepoint(SAVEPOINT, STMT_SAVEPOINT), None))
        prefix.append(watch)
        return prefix

    def _watched(
        self,
        actor: db.Actor,
        stmt: sql.Composable | str,
        params: Any,
        setup: list[Any],
        then: Callable[[], Any] | None,
        watch: tuple[str, None],
    ) -> tuple[Outcome, tuple[Any, Any] | None]:
        """The act's flight: the outcome and the watch rows before and after the
        statement (None when it failed, which changed nothing)."""
        spec = self.config.context
        outcome, first, rest = self.runner.run_probe(
            stmt,
            params,
            prefix=self._act_prefix(setup, watch),
            before=db.switch_steps(actor, spec),
            after=[*db.restore_steps(spec), watch],
            savepoint=False,
        )
        if rest is None:
            if setup or then is not None:  # keep the setup for then
                self._undo(STMT_SAVEPOINT if setup else ACT_SAVEPOINT, reopen=not setup)
            return outcome, None
        return outcome, (first[-1], rest[-1])

    def _setup_changes(
        self, watched: Any, actor: str | None, then: Callable[[], Any] | None
    ) -> tuple[list[Change], Any]:
        """Changes of an act that had setup statements: the baseline no longer holds, so
        the tables the statement wrote are hashed now, and again once the statement's
        savepoint is rolled back (setup kept)."""
        written = set() if watched is None else touched(*map(as_checksums, watched))
        written -= set(self.world.faulted)
        query = checksum_query(self.scope, written) if written else None
        after = checksums(self.conn, query) if query is not None else {}
        extra = then() if then is not None else None
        if query is None:
            return [], extra
        self._undo(STMT_SAVEPOINT, reopen=False)
        before = checksums(self.conn, query)
        return changes(before, after, actor), extra

    def _undo(self, name: str, *, reopen: bool) -> None:
        """Roll back to savepoint `name` (release it unless `reopen`)."""
        runner = self.runner
        steps = [(runner.savepoint(ROLLBACK_TO, name), None)]
        if not reopen:
            steps.append((runner.savepoint(RELEASE, name), None))
        fl = runner.flight(steps)
        if fl.error is not None:
            runner.raise_error(fl.error)

    def _moved(self, versions: Checksums, watched: Any, actor: str | None) -> set[str]:
        """Tables whose rows of someone other than `actor` got a new version, from the
        watch figures read before and after the statement (None: it failed)."""
        if watched is None:
            return set()
        first, last = as_checksums(watched[0]), as_checksums(watched[1])
        if not self.counters:
            return touched(versions, last, actor)
        written = touched(first, last)
        if not written:
            return set()
        query = checksum_query(self.scope, written, fast=True, skip=self.world.faulted)
        now = checksums(self.conn, query)
        return touched(self._of(versions, written), now, actor)

    def _copy_quick(
        self, actor: db.Actor, stmt: sql.Composable | str, rows: list, setup: list
    ) -> tuple[Outcome, list[Change], Any] | None:
        """`_act_quick` for COPY FROM: None when the WAL position moved."""
        watch = (WAL_POSITION, None)
        try:
            prefix = self._act_prefix(setup, watch)
            outcome, watched = self._copy_act(actor, stmt, rows, prefix, watch)
        except BaseException:
            self._close(quiet=True)
            raise
        self._close()
        if watched is not None and watched[0] != watched[1]:
            return None
        return outcome, [], None

    def _copy_act(
        self,
        actor: db.Actor,
        stmt: sql.Composable | str,
        rows: list,
        prefix: list,
        watch: tuple[str, None] | None = None,
    ) -> tuple[Outcome, Any]:
        """COPY FROM does not travel in a pipeline: switch, copy, switch back."""
        runner, spec = self.runner, self.config.context
        fl = runner.flight([*prefix, *db.switch_steps(actor, spec)])
        if fl.error is not None:
            runner.raise_error(fl.error)
        first = fl.rows(len(prefix) - 1)
        outcome = runner.attempt(stmt, copy_rows=rows)
        fl = runner.flight([*db.restore_steps(spec), watch or (self.watch_sql, None)])
        if fl.error is not None:
            runner.raise_error(fl.error)
        return outcome, (first, fl.rows(len(fl.cursors) - 1)) if outcome.ok else None

    def _close(self, *, quiet: bool = False) -> None:
        """Roll the act's savepoint back, whatever state the transaction is in; `quiet`
        when another error is already on its way (the savepoint may not exist)."""
        if self.conn.closed or self.conn.broken:
            return
        runner = self.runner
        rollback = runner.savepoint(ROLLBACK_TO, ACT_SAVEPOINT)
        fl = runner.flight([(rollback, None), (runner.savepoint(RELEASE, ACT_SAVEPOINT), None)])
        if fl.error is not None and not quiet:
            self.runner.raise_error(fl.error)

    # -- reporting ----------------------------------------------------------------------
    def seed_sql(self, rows: Iterable[SeedRow], tenants: Iterable[str]) -> list[str]:
        """INSERTs for these rows, their parents and the tenants' registry rows, in order."""
        return reproduce.seed_sql(self, rows, tenants)

    def reproducer(
        self,
        actor: db.Actor,
        statement: str,
        *,
        rows: Iterable[SeedRow] = (),
        tenants: Iterable[str] = (),
        after: str | None = None,
    ) -> str:
        """Plain SQL for psql: seed the rows it needs, become the actor, run, roll back."""
        return reproduce.reproducer(self, actor, statement, rows=rows, tenants=tenants, after=after)

    def row_of(self, table: str, values: dict[str, Any]) -> SeedRow | None:
        """The seeded row with these key values, if the harness generated it."""
        return reproduce.row_of(self, table, values)


def obj(relation: Table | str, kind: str | None = None) -> ObjectRef:
    if isinstance(relation, str):
        return ObjectRef.parse(relation, kind or "table")
    return ObjectRef(kind or relation.kind, relation.schema, relation.name)
