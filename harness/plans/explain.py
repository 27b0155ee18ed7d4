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
from .model import PlanRecord, PlanSettings, TableSample, TenantSample
from .queries import QuerySpec, app_queries, canonical_queries, has_parameters

EPHEMERAL_SETTINGS = {
    # Supabase's default and any SSD: random reads cost about as much as sequential ones.
    "random_page_cost": "1.1",
    # JIT compiles for tens of milliseconds on large estimates: noise in the timings.
    "jit": "off",
}
SAFETY_SETTINGS = {"statement_timeout": "30s", "lock_timeout": "2s"}


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

    def collect(
        self, samples: Sequence[TableSample], app: Mapping[str, Sequence[str]] | None = None
    ) -> list[PlanRecord]:
        records: list[PlanRecord] = []
        with plan_transaction(self.conn, ephemeral=self.options.ephemeral):
            for sample in samples:
                table = self.catalog.table(sample.table)
                records.extend(self._table(table, sample, list((app or {}).get(sample.table, ()))))
        return records

    def _table(self, table: Table, sample: TableSample, app: list[str]) -> list[PlanRecord]:
        records: list[PlanRecord] = []
        for tenant in sample.tenants:
            specs = canonical_queries(self.catalog, table, tenant, self.settings.tenant_column)
            app_specs = app_queries(app, table, tenant, self.settings.tenant_column)
            for spec in [*specs, *app_specs]:
                records.append(self._record(table, sample, tenant, spec))
        return records

    def _record(
        self, table: Table, sample: TableSample, tenant: TenantSample, spec: QuerySpec
    ) -> PlanRecord:
        text = spec.text()
        generic = spec.kind == "app" and has_parameters(text)
        analyze = self.options.ephemeral and not generic
        base = PlanRecord(
            table=sample.table,
            query=spec.kind,
            sql=text,
            tenant=tenant,
            table_rows=sample.rows,
            sort_column=spec.sort_column,
        )
        if generic and self.options.server_version_num < 160000:
            return replace(base, error="parameterised query needs PostgreSQL 16 (GENERIC_PLAN)")
        try:
            with self._as_tenant(tenant.tenant):
                plan, elapsed = explain(self.conn, spec.query, analyze=analyze, generic=generic)
                if analyze and self._runs(tenant) > 1:
                    elapsed = _timed(self.conn, spec.query, self._runs(tenant))
        except psycopg.Error as exc:
            return replace(base, error=_first_line(exc))
        record = replace(base, plan_json=plan, analyzed=analyze, execution_ms=elapsed)
        if spec.baseline is not None:
            record = self._baseline(record, spec.baseline, analyze, generic, table.owner)
        if self.options.hypopg and spec.kind == "newest" and spec.sort_column:
            record = self._hypothetical(record, table, spec)
        return record

    def _runs(self, tenant: TenantSample) -> int:
        return self.options.timing_runs if tenant.size_class == "large" else 1

    def _as_tenant(self, tenant: str) -> AbstractContextManager[None]:
        return acting_as(
            self.conn,
            role=self.settings.api_role,
            tenant_guc=self.settings.tenant_guc,
            tenant=tenant,
            tenant_column=self.settings.tenant_column,
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
            except psycopg.Error:
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
        """The plan with the suggested index, created by hypopg for this backend only."""
        columns = [self.settings.tenant_column, spec.sort_column or ""]
        ddl = hypothetical_index(table, columns)
        try:
            with self._as_tenant(record.tenant.tenant):
                self.conn.execute("SELECT * FROM hypopg_create_index(%s)", (ddl,))
                plan, _ = explain(self.conn, spec.query, analyze=False)
                self.conn.execute("SELECT hypopg_reset()")
        except psycopg.Error:
            return record
        return replace(record, hypothetical_index=ddl, hypothetical_json=plan)


def has_hypopg(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hypopg')"
    ).fetchone()
    return bool(row and row[0])


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
