"""What every probe gets: the connection, the scope, the generated world and the oracles.

Probes never open connections or set identity themselves; they ask the context to act as
an actor (`observe` for reads, `act` for anything that may write, which also compares
every other tenant's checksums before and after) and to write reproducers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import psycopg
from psycopg import sql

from .. import db
from ..catalog import Catalog, Table
from ..findings.model import ObjectRef
from .matrix import MatrixRecorder
from .oracle import (
    Canaries,
    Change,
    Checksums,
    changes,
    checksum_query,
    checksums,
    merged,
    touched,
)
from .population import Populator, SeedRow, Tenant, World
from .runner import Outcome, Runner
from .scope import Scope

Profile = Literal["quick", "deep"]
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

    # -- who ----------------------------------------------------------------------------
    @cached_property
    def checksum_sql(self) -> sql.Composed:
        return checksum_query(self.scope)

    @cached_property
    def versions_sql(self) -> sql.Composed:
        return checksum_query(self.scope, fast=True)

    def take_baseline(self) -> None:
        """Content and row-version checksums of every table, as the login role."""
        self.baseline = checksums(self.conn, self.checksum_sql)
        self.baseline_versions = checksums(self.conn, self.versions_sql)

    def _content_after(
        self, before: Checksums, versions: Checksums, actor: str | None
    ) -> Checksums:
        """Content checksums now, re-hashing only the tables whose row versions moved for
        someone other than the actor (the actor's own rows may change)."""
        moved = touched(versions, checksums(self.conn, self.versions_sql), actor)
        if not moved:
            return before
        fresh = checksums(self.conn, checksum_query(self.scope, moved))
        return merged(before, moved, fresh)

    @cached_property
    def canaries(self) -> Canaries:
        return Canaries(self.world)

    def sub_for(self, tenant: Tenant) -> str | None:
        """A user id of the tenant for `sub`: a value its rows reference in schema auth."""
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
        """Run a statement as the actor and roll everything back."""
        with db.as_actor(self.conn, actor, self.config.context):
            return self.runner.attempt(stmt, params)

    def observe_copy(self, actor: db.Actor, stmt: sql.Composable) -> Outcome:
        with db.as_actor(self.conn, actor, self.config.context):
            return self.runner.copy_out(stmt)

    def act(
        self,
        actor: db.Actor,
        stmt: sql.Composable | str,
        params: Any = None,
        *,
        setup: Iterable[tuple[sql.Composable | str, Any]] = (),
        copy_rows: list[tuple[Any, ...]] | None = None,
        then: Callable[[], Any] | None = None,
    ) -> tuple[Outcome, list[Change], Any]:
        """Act as `actor` in a savepoint; return the outcome, the changes to anybody
        else's rows (checksums before and after, read as the login role), and what
        `then` observed afterwards (still inside the savepoint, as the login role)."""
        with db.savepoint(self.conn):
            setup = list(setup)
            for s, p in setup:
                self.conn.execute(s, p)
            if setup:
                before = checksums(self.conn, self.checksum_sql)
                versions = checksums(self.conn, self.versions_sql)
            else:
                before, versions = self.baseline, self.baseline_versions
            db.become(self.conn, actor, self.config.context)
            if copy_rows is not None:
                outcome = self.runner.attempt(stmt, copy_rows=copy_rows)
            else:
                outcome = self.runner.attempt(stmt, params)
            db.restore(self.conn, self.config.context)
            after = self._content_after(before, versions, actor.tenant)
            extra = then() if then is not None else None
        return outcome, changes(before, after, actor.tenant), extra

    # -- reporting ----------------------------------------------------------------------
    def seed_sql(self, rows: Iterable[SeedRow], tenants: Iterable[str]) -> list[str]:
        """INSERTs for these rows, their parents and the tenants' registry rows, in order."""
        wanted: dict[int, SeedRow] = {}
        stack = list(rows)
        if self.scope.registry:
            for t in tenants:
                stack += self.world.owned(self.scope.registry, t)
        while stack:
            r = stack.pop()
            if id(r) in wanted:
                continue
            wanted[id(r)] = r
            for table, idx in r.parents:
                stack.append(self.world.rows[table][idx])
            ts = self.scope.tables.get(r.table)
            if (
                ts
                and ts.is_tenant
                and r.owner
                and self.scope.registry
                and r.table != self.scope.registry
            ):
                stack += self.world.owned(self.scope.registry, r.owner)
        order = {n: i for i, n in enumerate(self.scope.order)}
        out = []
        for r in sorted(wanted.values(), key=lambda r: order.get(r.table, -1)):
            schema, _, name = r.table.partition(".")
            sent = {k: v for k, v in r.sent.items() if v is not None}
            stmt = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(schema, name),
                sql.SQL(", ").join(map(sql.Identifier, sent)),
                sql.SQL(", ").join(sql.Placeholder() * len(sent)),
            )
            out.append(self.runner.render(stmt, list(_adapt(sent).values())) + ";")
        return out

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
        involved = [t for t in {actor.tenant, *tenants} if t]
        lines = ["BEGIN;", "-- seed, as the login role (owner or superuser)"]
        lines += self.seed_sql(rows, involved)
        lines.append(f"-- act as {actor.label}")
        lines.append(db.reproducer_prelude(actor, self.config.context, self.conn))
        lines.append(statement.rstrip(";") + ";")
        if after:
            lines.append("-- then, to observe the effect")
            lines.append(after)
        lines.append("ROLLBACK;")
        return "\n".join(lines)

    def row_of(self, table: str, values: dict[str, Any]) -> SeedRow | None:
        """The seeded row with these key values, if the harness generated it."""
        ts = self.scope.tables.get(table)
        keys = ts.pk if ts and ts.pk else tuple(values)
        for r in self.world.rows.get(table, ()):
            if all(str(r.values.get(k)) == str(values.get(k)) for k in keys if k in values):
                return r
        return None


def obj(relation: Table | str, kind: str | None = None) -> ObjectRef:
    if isinstance(relation, str):
        return ObjectRef.parse(relation, kind or "table")
    return ObjectRef(kind or relation.kind, relation.schema, relation.name)


def _adapt(values: dict[str, Any]) -> dict[str, Any]:
    from psycopg.types.json import Jsonb

    return {k: Jsonb(v) if isinstance(v, dict) else v for k, v in values.items()}
