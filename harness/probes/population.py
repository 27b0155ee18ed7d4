"""Many tenants' rows, generated from the catalog and written as the login role.

The population runs inside the audit transaction, as the connection's own role (the
owner or a superuser), table by table in foreign-key order. Rows of each table are drawn
by `RowBuilder` (rowgen.py) from the catalog-derived column plans; a CHECK that rejects
a value teaches the column plan a fallback (literals, an e-mail shape, the constraint's
pattern, NULL) and the table is drawn again. Foreign keys left NULL to break cycles are
filled once every table is written.
A table that still cannot be filled is recorded with the reason, for an inconclusive
finding, never skipped silently. The tenants and the rows written live in a `World`
(world.py); its names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..catalog import Catalog
from .rowgen import BuiltRow, RowBuilder, stable
from .runner import Outcome, Runner, fault_of
from .scope import Scope, TableScope
from .strategies import TypeInfo, supported, wanted
from .volley import Landing, fire
from .world import SeedRow, Tenant, World, make_tenants

__all__ = [
    "Populator",
    "SeedRow",
    "TableFault",
    "Tenant",
    "World",
    "fault_message",
    "make_tenants",
    "populate",
]

LEARN_ATTEMPTS = 12
ROW_RETRIES = 4
PLATFORM_ROWS = 3


def resolve_types(conn: psycopg.Connection[Any], names: set[str]) -> dict[str, TypeInfo]:
    """Each named type's base type (through a domain), enum labels and array element:
    what the column plans are made from."""
    rows = conn.execute(
        """
        select i.name, b.typname, b.typcategory,
               coalesce((select pg_catalog.array_agg(e.enumlabel order by e.enumsortorder)
                           from pg_catalog.pg_enum e where e.enumtypid = b.oid), '{}'),
               el.typname
          from pg_catalog.unnest(%s::text[]) as i(name)
          join pg_catalog.pg_type ty on ty.oid = pg_catalog.to_regtype(i.name)
          join pg_catalog.pg_type b
            on b.oid = case when ty.typtype = 'd' then ty.typbasetype else ty.oid end
          left join pg_catalog.pg_type el on el.oid = b.typelem and b.typcategory = 'A'
        """,
        (sorted(names),),
    ).fetchall()
    return {r[0]: TypeInfo(r[1], r[2], tuple(r[3]), r[4]) for r in rows}


VOLLEY_ROWS = 256
"""Rows written per volley (each with the parents drawn for it)."""


class Populator(RowBuilder):
    """Writes the rows `RowBuilder` draws, table by table; see the module docstring."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        catalog: Catalog,
        scope: Scope,
        tenants: tuple[Tenant, ...],
        seed_value: int,
    ) -> None:
        names = {c.type for ts in scope.tables.values() for c in ts.table.columns}
        types = resolve_types(conn, names)
        super().__init__(catalog, scope, World(tenants=tenants), types, seed_value)
        self.conn = conn
        self.tried: dict[tuple[str, str], set[str]] = {}
        self.errors: list[str] = []

    # -- writing ---------------------------------------------------------------------
    def insert_statement(self, table: str, cols: list[str]) -> sql.Composed:
        schema, _, name = table.partition(".")
        return sql.SQL("insert into {} ({}) values ({}) returning *").format(
            sql.Identifier(schema, name),
            sql.SQL(", ").join(map(sql.Identifier, cols)),
            sql.SQL(", ").join(sql.Placeholder() * len(cols)),
        )

    def adapt(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        plans = self.world.plans.get(table, {})
        out = {}
        for k, v in values.items():
            plan = plans.get(k)
            if plan and plan.info.base in ("json", "jsonb") and not isinstance(v, Jsonb):
                v = None if v is None else Jsonb(v)
            out[k] = v
        return out

    def insert_one(self, table: str, values: dict[str, Any]) -> dict[str, Any]:
        values = self.adapt(table, values)
        cols = list(values)
        with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(self.insert_statement(table, cols), [values[c] for c in cols])
            row = cur.fetchone()
        assert row is not None
        return row

    def fill(self, ts: TableScope, owners: list[str | None]) -> None:
        try:
            self._fill(ts, owners)
        except TableFault as fault:
            self.fault(fault.table, fault.message)

    def fault(self, table: str, message: str) -> None:
        """Skip `table` (inconclusive) and forget whatever rows of it were written."""
        self.world.faulted.setdefault(table, message)
        self.world.skipped[table] = message

    def _fill(self, ts: TableScope, owners: list[str | None]) -> None:
        plans = self.plans(ts)
        bad = [p.name for p in plans.values() if p.column.not_null and not supported(p)]
        bad = [b for b in bad if wanted(plans[b], key=b in self.key_columns(ts))]
        if bad:
            self.world.skipped[ts.name] = f"no value generator for NOT NULL column(s) {bad}"
            return
        base_seed = self.seed * 1_000_003 + stable(ts.name)
        last_error = ""
        for attempt in range(LEARN_ATTEMPTS):
            rows = self.build_rows(ts, owners[:1], base_seed + attempt)
            if not rows:
                return
            err = self._try(ts, rows[0])
            if err is None:
                break
            last_error = err[1]
            if not self._learn(ts, err):
                self.world.skipped[ts.name] = f"generated rows are rejected: {last_error}"
                return
        else:
            self.world.skipped[ts.name] = f"generated rows are rejected: {last_error}"
            return
        failures = 0
        built = self.build_rows(ts, owners[1:], base_seed + 101)
        retry = self._rejected(ts, built)
        for attempt in range(ROW_RETRIES):  # redraw only the rejected rows
            if not retry:
                break
            self.simplest = attempt == ROW_RETRIES - 1
            built = self.build_rows(ts, retry, base_seed + 211 + attempt)
            failed = self._rejected(ts, built)
            failures += len(retry) - len(failed)
            retry = failed
        self.simplest = False
        failures += len(retry)
        owned = [o for o in owners if o is not None]
        missing = {o for o in owned if not self.world.owned(ts.name, o)}
        if missing and ts.is_tenant:
            self.world.skipped[ts.name] = (
                f"{len(missing)} tenant(s) got no row after {failures} rejected row(s)"
            )

    def _try(self, ts: TableScope, row: BuiltRow) -> tuple[str, str, str | None] | None:
        owner, values, fresh, parents = row
        added: list[SeedRow] = []
        try:
            with self.conn.transaction():
                parent_refs = list(parents)
                for ptable, pvals in fresh:
                    stored = self.insert_one(ptable, pvals)
                    added.append(SeedRow(ptable, owner, stored, pvals))
                stored = self.insert_one(ts.name, values)
        except psycopg.Error as exc:
            self.check(exc, ts.name)
            diag = exc.diag
            self.errors.append(f"{ts.name}: {_first_line(exc)}")
            return (diag.sqlstate or "", _first_line(exc), diag.constraint_name or diag.column_name)
        for seeded in added:
            self.world.rows[seeded.table].append(seeded)
            parent_refs.append((seeded.table, len(self.world.rows[seeded.table]) - 1))
        self.world.rows[ts.name].append(SeedRow(ts.name, owner, stored, values, tuple(parent_refs)))
        return None

    def _rejected(self, ts: TableScope, rows: list[BuiltRow]) -> list[str | None]:
        """The owners of the rows the server rejected (the others are written)."""
        errors = self._try_all(ts, rows)
        return [row[0] for row, err in zip(rows, errors, strict=True) if err is not None]

    def _try_all(self, ts: TableScope, rows: list[BuiltRow]) -> list[str | None]:
        """`_try` for many rows at once: each row (with the parents drawn for it) is one
        flight of a kept volley, so a rejected row costs only its own flight. Returns
        the error of each row, None for the rows written."""
        out: list[str | None] = []
        fault: TableFault | None = None
        for start in range(0, len(rows), VOLLEY_ROWS):
            part = rows[start : start + VOLLEY_ROWS]
            flights = []
            for _, values, fresh, _ in part:
                steps = [self._insert_step(ptable, pvals) for ptable, pvals in fresh]
                flights.append([*steps, self._insert_step(ts.name, values)])
            for row, landing in zip(part, fire(self.runner, flights, keep=True), strict=True):
                try:  # every row written is recorded before a timeout skips the table
                    out.append(self._landed(ts, row, landing))
                except TableFault as exc:
                    fault = fault or exc
                    out.append(exc.message)
            if fault is not None:
                raise fault
        return out

    def _insert_step(self, table: str, values: dict[str, Any]) -> tuple[sql.Composed, list]:
        values = self.adapt(table, values)
        cols = list(values)
        return self.insert_statement(table, cols), [values[c] for c in cols]

    def _landed(self, ts: TableScope, row: BuiltRow, landing: Landing) -> str | None:
        owner, values, fresh, parents = row
        if landing.failed is not None:
            exc = landing.errors[landing.failed]
            self.check(exc, ts.name)
            self.errors.append(f"{ts.name}: {_first_line(exc)}")
            return _first_line(exc)
        stored = [_as_dict(answer) for answer in landing.answers]
        parent_refs = list(parents)
        for (ptable, pvals), pstored in zip(fresh, stored, strict=False):
            self.world.rows[ptable].append(SeedRow(ptable, owner, pstored, pvals))
            parent_refs.append((ptable, len(self.world.rows[ptable]) - 1))
        seeded = SeedRow(ts.name, owner, stored[-1], values, tuple(parent_refs))
        self.world.rows[ts.name].append(seeded)
        return None

    @cached_property
    def runner(self) -> Runner:
        return Runner(self.conn)

    def check(self, exc: psycopg.Error, table: str) -> None:
        """A lost connection propagates; a timeout is not a rejected row: it raises
        `TableFault` so that the table is skipped as inconclusive."""
        if self.conn.closed or self.conn.broken:
            raise exc
        reason = fault_of(exc)
        if reason is not None:
            raise TableFault(table, fault_message(table, reason, exc)) from exc

    def _learn(self, ts: TableScope, err: tuple[str, str, str | None]) -> bool:
        """Switch the columns a failing constraint names to their next fallback mode."""
        state, _, name = err
        plans = self.world.plans[ts.name]
        if state == "23514" and name:  # check_violation
            cons = next((c for c in ts.checks if c.name == name), None)
            columns = cons.columns if cons else ()
        elif state == "23502" and name:  # not_null_violation: a column we left out
            columns = (name,)
        elif state in ("22001", "22P02", "22007", "22008", "22003"):  # value errors
            columns = tuple(p.name for p in plans.values() if p.mode == "auto")[:1]
        else:
            return state in ("23505", "23503")  # a collision or a missing parent: draw again
        changed = False
        for col in columns:
            plan = plans.get(col)
            if plan is None:
                continue
            options = plan.fallbacks()
            tried = self.tried.setdefault((ts.name, col), set())
            nxt = next((m for m in options if m not in tried), None)
            if nxt is None:
                continue
            tried.add(plan.mode)
            plans[col] = replace(plan, mode=nxt)
            changed = True
        return changed

    def fix_deferred(self) -> None:
        """Fill the foreign keys left NULL to break cycles, within each row's tenant."""
        for table, fk_name in sorted(self.scope.deferred):
            ts = self.scope.tables[table]
            fk = next(f for f in ts.fks if f.name == fk_name)
            for row in self.world.rows.get(table, []):
                assigned = {c: row.values[c] for c in fk.columns if row.values.get(c) is not None}
                cands = self._candidates(fk, row.owner, assigned, ts)
                if not cands or not ts.pk:
                    continue
                _, parent = cands[0]
                new = {
                    c: parent.values.get(rc)
                    for c, rc in zip(fk.columns, fk.ref_columns, strict=True)
                }
                stmt = sql.SQL("update {} set {} where {} returning *").format(
                    sql.Identifier(ts.table.schema, ts.table.name),
                    sql.SQL(", ").join(
                        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in new
                    ),
                    sql.SQL(" and ").join(
                        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder())
                        for c in ts.pk
                    ),
                )
                try:
                    with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
                        cur.execute(stmt, [*new.values(), *(row.values[c] for c in ts.pk)])
                        stored = cur.fetchone()
                except psycopg.Error as exc:
                    try:
                        self.check(exc, table)
                    except TableFault as fault:
                        self.fault(fault.table, fault.message)
                        break
                    continue
                if stored:
                    row.values = stored

    def run(self, progress: Callable[[str], None] | None = None) -> World:
        exposed = set(self.catalog.exposed_schemas)
        for name in self.scope.order:
            ts = self.scope.tables[name]
            if ts.is_tenant:
                per = 1 if name == self.scope.registry else None
                owners: list[str | None] = [
                    t.id for t in self.world.tenants for _ in range(per or t.size)
                ]
            elif ts.table.schema in exposed:
                owners = [None] * PLATFORM_ROWS
            else:
                continue  # filled on demand, as parents of tenant rows
            self.fill(ts, owners)
        self.fix_deferred()
        if "runner" in self.__dict__:
            self.runner.close()
        for mv in self.catalog.materialized_views:
            if mv.schema in exposed:
                refresh = sql.SQL("refresh materialized view {}").format(
                    sql.Identifier(mv.schema, mv.name)
                )
                try:
                    with self.conn.transaction():
                        self.conn.execute(refresh)
                except psycopg.Error as exc:
                    name = f"{mv.schema}.{mv.name}"
                    if fault_of(exc) is None or self.conn.closed or self.conn.broken:
                        raise
                    self.world.faulted.setdefault(name, fault_message(name, fault_of(exc), exc))
        return self.world


def _as_dict(answer: Outcome | None) -> dict[str, Any]:
    assert answer is not None and answer.rows  # INSERT ... RETURNING * of a written row
    return dict(zip(answer.columns, answer.rows[0], strict=True))


class TableFault(Exception):
    """Another session kept the population from a table (lock or statement timeout)."""

    def __init__(self, table: str, message: str) -> None:
        super().__init__(message)
        self.table = table
        self.message = message


def fault_message(table: str, reason: str | None, exc: BaseException | None = None) -> str:
    """One line for the report: which table, and why the probes skipped it."""
    why = {
        "lock timeout": "lock timeout, another session holds a lock on it",
        "statement timeout": "statement timeout, the server did not answer in time",
    }.get(reason or "", reason or "timeout")
    return f"probes on {table} skipped: {why}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def populate(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    scope: Scope,
    *,
    tenants: int,
    seed_value: int = 0,
) -> World:
    """Generate and write the rows of `tenants` tenants; call inside the audit transaction."""
    return Populator(conn, catalog, scope, make_tenants(tenants, seed_value), seed_value).run()
