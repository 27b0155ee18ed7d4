"""EXPLAIN (FORMAT JSON) as a tenant, inside a transaction that is always rolled back.

On a target we created, with ANALYZE and BUFFERS, and with the baseline timed too; on a
live database (--dsn) plain EXPLAIN in a read-only transaction: nothing is executed,
nothing is written, and the live statistics decide the plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from ..catalog import Catalog, Table
from ._actor import acting_as, row_security_off
from .appsql import AppQuery, SkippedQuery, bind
from .model import PlanRecord, PlanSettings, TableSample, TenantSample
from .queries import QuerySpec, app_query, canonical_queries, sort_column

EPHEMERAL_SETTINGS = {
    # Supabase's default and any SSD: random reads cost about as much as sequential ones.
    "random_page_cost": "1.1",
    # JIT compiles for tens of milliseconds on large estimates: noise in the timings.
    "jit": "off",
}
SAFETY_SETTINGS = {"statement_timeout": "30s", "lock_timeout": "2s"}


class Timeout(Exception):
    """A statement or lock timeout (57014, 55P03) while taking a table's plans."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ExplainOptions:
    ephemeral: bool
    timing_runs: int = 3
    """Timed executions per query of the large tenant on ephemeral targets (the minimum is
    kept): its ratio is the one reported; other tenants are timed once."""
    server_version_num: int = 150000
    hypopg: bool = False


@contextmanager
def plan_transaction(conn: psycopg.Connection[Any], *, ephemeral: bool) -> Iterator[None]:
    """A transaction that is rolled back; read-only against a live database."""
    idle = conn.info.transaction_status == TransactionStatus.IDLE
    with conn.transaction(force_rollback=True):
        if not ephemeral:
            if idle:
                conn.execute("SET TRANSACTION READ ONLY")
            else:
                conn.execute("SELECT pg_catalog.set_config('transaction_read_only', 'on', true)")
        settings = dict(SAFETY_SETTINGS)
        if ephemeral:
            settings.update(EPHEMERAL_SETTINGS)
        for name, value in settings.items():
            conn.execute("SELECT pg_catalog.set_config(%s, %s, true)", (name, value))
        yield


def explain(
    conn: psycopg.Connection[Any], query: sql.Composable, *, analyze: bool, generic: bool = False
) -> tuple[Any, float | None]:
    """The JSON plan and, when analysed, the execution time in milliseconds."""
    options = ["FORMAT JSON"]
    if analyze:
        options += ["ANALYZE", "BUFFERS"]
    if generic:
        options.append("GENERIC_PLAN")
    statement = sql.SQL("EXPLAIN ({}) {}").format(
        sql.SQL(", ").join(sql.SQL(o) for o in options), query
    )
    row = conn.execute(statement).fetchone()
    document = row[0] if row else None
    elapsed = document[0].get("Execution Time") if analyze and document else None
    return document, elapsed


def _timed(conn: psycopg.Connection[Any], query: sql.Composable, runs: int) -> float | None:
    """The fastest of `runs` executions, per-node timing off so only the query is timed."""
    best: float | None = None
    statement = sql.SQL("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) {}").format(query)
    for _ in range(runs):
        row = conn.execute(statement).fetchone()
        ms = row[0][0].get("Execution Time") if row else None
        if ms is not None:
            best = ms if best is None else min(best, ms)
    return best


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def hypothetical_index(table: Table, columns: Sequence[str]) -> str:
    return (
        sql.SQL("CREATE INDEX ON {} ({})")
        .format(
            sql.Identifier(table.schema, table.name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        )
        .as_string(None)
    )


class Collector:
    """Takes every plan of the stage: tables x size classes x queries."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        catalog: Catalog,
        settings: PlanSettings,
        options: ExplainOptions,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.settings = settings
        self.options = options
        self.faults: list[str] = []
        """Tables whose remaining plans were skipped after a statement or lock timeout."""
        self.skipped: list[SkippedQuery] = []

    def collect(
        self, samples: Sequence[TableSample], app: Mapping[str, Sequence[AppQuery]] | None = None
    ) -> list[PlanRecord]:
        records: list[PlanRecord] = []
        with plan_transaction(self.conn, ephemeral=self.options.ephemeral):
            for sample in samples:
                table = self.catalog.table(sample.table)
                records.extend(self._table(table, sample, list((app or {}).get(sample.table, ()))))
        return records

    def _table(self, table: Table, sample: TableSample, app: list[AppQuery]) -> list[PlanRecord]:
        """Every plan of one table; after a timeout the rest of the table is skipped and
        an error record makes it inconclusive (RLS200), never a pass."""
        records: list[PlanRecord] = []
        for tenant in sample.tenants:
            specs = canonical_queries(self.catalog, table, tenant, self.settings.tenant_column)
            for spec in [*specs, *self._app_specs(app, table, tenant)]:
                try:
                    records.append(self._record(table, sample, tenant, spec))
                except Timeout as exc:
                    self.faults.append(f"plans on {sample.table} skipped: {exc.kind}")
                    error = f"{exc.kind}: {exc.detail}; the table's remaining plans were skipped"
                    failed = PlanRecord(sample.table, spec.kind, spec.text(), tenant, sample.rows)
                    records.append(replace(failed, error=error, location=spec.location))
                    return records
        return records

    def _app_specs(
        self, app: list[AppQuery], table: Table, tenant: TenantSample
    ) -> list[QuerySpec]:
        """The application statements as this tenant: tenant parameters bound; one that
        cannot be is recorded as skipped (once per table), not explained."""
        column = self.settings.tenant_column
        specs = []
        for query in app:
            bound = bind(
                query.text,
                column,
                tenant.tenant,
                generic_plans=self.options.server_version_num >= 160000,
            )
            if bound.reason is not None:
                skip = SkippedQuery(query.text, query.location, table.qualified_name, bound.reason)
                if skip not in self.skipped:
                    self.skipped.append(skip)
                continue
            specs.append(
                app_query(
                    bound.text,
                    table,
                    tenant,
                    column,
                    generic=bound.generic,
                    location=query.location,
                )
            )
        return specs

    def _record(
        self, table: Table, sample: TableSample, tenant: TenantSample, spec: QuerySpec
    ) -> PlanRecord:
        text = spec.text()
        generic = spec.generic
        analyze = self.options.ephemeral and not generic
        base = PlanRecord(
            table=sample.table,
            query=spec.kind,
            sql=text,
            tenant=tenant,
            table_rows=sample.rows,
            sort_column=spec.sort_column,
            location=spec.location,
        )
        try:
            with self._as_tenant(tenant.tenant):
                plan, elapsed = explain(self.conn, spec.query, analyze=analyze, generic=generic)
                if analyze and self._runs(tenant) > 1:
                    elapsed = _timed(self.conn, spec.query, self._runs(tenant))
        except psycopg.Error as exc:
            self._reraise(exc)
            return replace(base, error=_first_line(exc))
        record = replace(base, plan_json=plan, analyzed=analyze, execution_ms=elapsed)
        if spec.baseline is not None:
            record = self._baseline(record, spec.baseline, analyze, generic, table.owner)
        if self.options.hypopg and spec.kind in ("newest", "count", "app"):
            record = self._hypothetical(record, table, spec)
        return record

    def _reraise(self, exc: psycopg.Error) -> None:
        """A lost connection propagates; a timeout skips the rest of the table."""
        if self.conn.closed or self.conn.broken:
            raise exc
        if isinstance(exc, psycopg.errors.QueryCanceled):
            raise Timeout("statement timeout", _first_line(exc)) from exc
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            raise Timeout("lock timeout", _first_line(exc)) from exc

    def _runs(self, tenant: TenantSample) -> int:
        return self.options.timing_runs if tenant.size_class == "large" else 1

    def _as_tenant(self, tenant: str) -> AbstractContextManager[None]:
        return acting_as(
            self.conn,
            role=self.settings.api_role,
            tenant_guc=self.settings.tenant_guc,
            tenant=tenant,
            tenant_column=self.settings.tenant_column,
            context=self.settings.context,
        )

    def _baseline(
        self, record: PlanRecord, query: sql.Composable, analyze: bool, generic: bool, owner: str
    ) -> PlanRecord:
        """The query with an explicit tenant WHERE, as the table owner (else the login)
        with row security off; none when both are themselves subject to a policy."""
        for role in (owner, None):
            try:
                with row_security_off(self.conn, role):
                    plan, elapsed = explain(self.conn, query, analyze=analyze, generic=generic)
                    if analyze and self._runs(record.tenant) > 1:
                        elapsed = _timed(self.conn, query, self._runs(record.tenant))
                break
            except psycopg.Error as exc:
                self._reraise(exc)
                continue
        else:
            return record
        return replace(
            record,
            baseline_sql=query.as_string(None),
            baseline_json=plan,
            baseline_ms=elapsed,
        )

    def _hypothetical(self, record: PlanRecord, table: Table, spec: QuerySpec) -> PlanRecord:
        """The plan with the index the checks would suggest, created by hypopg in this
        backend's memory only (nothing is written), as plain EXPLAIN: its costs are the
        planner's, before and after."""
        columns = suggested_index(self.catalog, table, self.settings.tenant_column)
        if columns is None:
            return record
        ddl = hypothetical_index(table, columns)
        generic = spec.generic
        try:
            with self._as_tenant(record.tenant.tenant):
                self.conn.execute("SELECT * FROM hypopg_create_index(%s)", (ddl,))
                try:
                    plan, _ = explain(self.conn, spec.query, analyze=False, generic=generic)
                finally:
                    self.conn.execute("SELECT hypopg_reset()")
        except psycopg.Error as exc:
            self._reraise(exc)
            return record
        return replace(
            record, hypothetical_index=ddl, hypothetical_columns=columns, hypothetical_json=plan
        )


def suggested_index(catalog: Catalog, table: Table, column: str) -> tuple[str, ...] | None:
    """The index RLS201 and RLS206 suggest, (tenant, sort column); None when the table
    already has one that starts so."""
    sort = sort_column(catalog, table, column)
    columns = (column, sort) if sort and sort != column else (column,)
    for index in catalog.indexes_on(table):
        if index.predicate is None and index.columns[: len(columns)] == columns:
            return None
    return columns


def has_hypopg(conn: psycopg.Connection[Any], *, ephemeral: bool = False) -> bool:
    """Whether hypopg is installed in this database; on a target the audit created it is
    installed when the server has it, never on a live database (--dsn)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hypopg'),"
        " EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg')"
    ).fetchone()
    installed, available = (bool(row[0]), bool(row[1])) if row else (False, False)
    if installed or not (ephemeral and available):
        return installed
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    except psycopg.Error:
        return False
    return True


def digest(records: Sequence[PlanRecord]) -> str:
    """A hash of the plan shapes (node types, relations, indexes): equal runs, equal hash."""
    h = hashlib.sha256()
    for r in records:
        plan = r.plan
        shape = (
            [] if plan is None else [(n.node_type, n.relation, n.index_name) for n in plan.walk()]
        )
        h.update(repr((r.table, r.query, r.tenant.size_class, shape, r.error)).encode())
    return h.hexdigest()[:16]
