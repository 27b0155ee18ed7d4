"""Bulk load: fill every tenant table to a target size with skewed tenants, then ANALYZE.

Only on targets the audit created (the data is committed: VACUUM needs it). Parents are
loaded before children, every foreign key points at a row of the same tenant, tenants are
interleaved as real inserts would be, and the same seed writes the same bytes (the report
carries their digest). Rows go through COPY; as a superuser the load runs with
session_replication_role = replica, so triggers (audit trails, foreign-key checks the
generator already honours) do not fire; keys and plain indexes are built once the rows
are in (see _defer), and tables still empty are truncated first so COPY can FREEZE (the
visibility map is then set by the load, not by a VACUUM that an open snapshot elsewhere
may hold back). The statistics of the columns the plans depend on
are then exact: ANALYZE reads every row of them (tables up to 300,000 rows).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from ..catalog import Catalog, Table
from . import _values as values
from ._batches import batches, concat, interleave
from ._defer import RebuildFailed, deferred, emptied
from ._graph import depths, foreign_keys, load_order, tenant_root
from ._lookup import existing_keys, resolve_types
from ._report import TableVolume, VolumeReport
from ._rows import Batch, Keys, TableRows, Unfillable, plan_table
from .model import TableSample, TenantSample
from .queries import key_columns, sort_column
from .tenants import Population, allocate, population

Progress = Callable[[str], None]
Row = tuple[str, ...]
STATISTICS_TARGET = 1000
"""ANALYZE samples 300 x target rows: the judged columns of tables up to 300,000 rows are
read in full."""


@dataclass
class _State:
    keys: dict[tuple[str, tuple[str, ...]], Keys] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    samples: list[TableSample] = field(default_factory=list)
    extra_rows: int = 0
    generate_s: float = 0.0
    rebuild_s: float = 0.0
    frozen: set[str] = field(default_factory=set)
    """Tables loaded by COPY FREEZE: their visibility map is already set."""


def fillable(catalog: Catalog) -> list[Table]:
    """Tenant tables the loader fills: plain and partitioned tables (partitions through
    their parent; foreign tables hold no rows of ours)."""
    return [
        t
        for t in catalog.tenant_tables()
        if t.kind in ("table", "partitioned table") and not t.is_partition
    ]


def load_volume(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    *,
    rows: int,
    seed: int,
    tenant_column: str = "tenant_id",
    progress: Progress = lambda _: None,
) -> VolumeReport:
    loader = _Loader(conn, catalog, rows=rows, seed=seed, tenant_column=tenant_column)
    return loader.run(progress)


class _Loader:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        catalog: Catalog,
        *,
        rows: int,
        seed: int,
        tenant_column: str,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.rows = rows
        self.seed = seed
        self.column = tenant_column
        self.tables = fillable(catalog)
        self.root = tenant_root(catalog, self.tables, tenant_column)
        self.types = resolve_types(conn, catalog)
        kind = self._tenant_kind()
        self.population: Population = population(rows, random.Random(f"{seed}:tenants"), kind)
        self.state = _State()
        self.digest = hashlib.blake2b(digest_size=16)

    def _tenant_kind(self) -> str:
        col = self.root[0].column(self.root[1]) if self.root else None
        if col is None and self.tables:
            col = self.tables[0].column(self.column)
        kind = values.classify(col.type).kind if col else "uuid"
        return kind if kind in ("int", "text") else "uuid"

    def run(self, progress: Progress) -> VolumeReport:
        order = load_order(self.catalog, self.tables)
        sizes = self._sizes(order)
        progress(f"plans: loading {sum(sizes.values()):,} rows into {len(order)} tenant tables")
        started = time.perf_counter()
        loaded = [*([self.root[0]] if self.root else []), *order]
        try:
            self._attempt(order, sizes, [t.oid for t in loaded])
        except RebuildFailed as exc:  # the rows break a key: load again, checked row by row
            progress(f"plans: {exc}; loading again with keys maintained row by row")
            self.state = _State()
            self.digest = hashlib.blake2b(digest_size=16)
            self._attempt(order, sizes, [])
        load_s = time.perf_counter() - started
        analyze_s = self._analyze([*([self.root[0]] if self.root else []), *order])
        s = self.state
        return VolumeReport(
            tables=tuple(
                TableVolume(
                    t.qualified_name,
                    s.loaded.get(t.qualified_name, 0),
                    s.failed.get(t.qualified_name),
                )
                for t in order
            ),
            samples=tuple(s.samples),
            tenants=len(self.population.tenants),
            rows=sum(s.loaded.get(t.qualified_name, 0) for t in order),
            extra_rows=s.extra_rows,
            generate_s=s.generate_s,
            load_s=load_s,
            analyze_s=analyze_s,
            digest=self.digest.hexdigest(),
            rebuild_s=s.rebuild_s,
        )

    def _attempt(self, order: Sequence[Table], sizes: dict[str, int], defer: list[int]) -> None:
        """One load in one transaction; keys and indexes of the `defer` tables are built
        after their rows are in (see _defer)."""
        with self.conn.transaction():
            _replica_mode(self.conn)
            with deferred(self.conn, defer) as deferral:
                if self.root is not None:
                    self._load_root(*self.root)
                for table in order:
                    self._load_table(table, sizes[table.qualified_name])
        self.state.rebuild_s = deferral.rebuild_s

    def _sizes(self, order: Sequence[Table]) -> dict[str, int]:
        """Deeper tables (attendance below enrollments below students) get more rows."""
        depth = depths(self.catalog, order)
        names = [t.qualified_name for t in order]
        counts = allocate(self.rows, [1 + depth[n] / 2 for n in names], minimum=0)
        return dict(zip(names, counts, strict=True))

    def _parents(self, table: Table) -> dict[str, Keys | list[tuple[str, ...]] | None]:
        """Keys of every parent `table` references: per tenant, shared, or None (empty
        shared parent: fresh keys, back-filled)."""
        out: dict[str, Keys | list[tuple[str, ...]] | None] = {}
        for fk in foreign_keys(self.catalog, table):
            known = self.state.keys.get((fk.parent, fk.parent_columns))
            if known is not None:
                out[fk.parent] = known
            elif fk.parent not in {t.qualified_name for t in self.tables}:
                out[fk.parent] = existing_keys(self.conn, fk.parent, fk.parent_columns)
        return out

    def _load_root(self, root: Table, key: str) -> None:
        """One row per tenant, keyed by the tenant value; a failure only loses the root."""
        tenants = list(range(len(self.population.tenants)))
        try:
            rows = plan_table(
                self.catalog,
                root,
                self.types,
                tenant_column=key,
                parents={},
                tenant_values=self.population.tenants,
            )
            batch = rows.batch(random.Random(f"{self.seed}:{root.qualified_name}"), tenants, 0)
            with self.conn.transaction():
                self._copy(root, rows.copy_columns, [batch], freeze=self._emptied(root))
        except (Unfillable, psycopg.Error) as exc:
            self.state.failed[root.qualified_name] = _first_line(exc)
            return
        self.state.extra_rows += len(batch)
        self._remember(root, batch)

    def _load_table(self, table: Table, size: int) -> None:
        name = table.qualified_name
        rng = random.Random(f"{self.seed}:{name}")
        missing = [
            fk.parent
            for fk in foreign_keys(self.catalog, table)
            if not fk.nullable and fk.parent in self.state.failed
        ]
        if missing:
            self.state.failed[name] = f"its parent {missing[0]} could not be loaded"
            return
        try:
            rows = plan_table(
                self.catalog,
                table,
                self.types,
                tenant_column=self.column,
                parents=self._parents(table),
                tenant_values=self.population.tenants,
            )
        except Unfillable as exc:
            self.state.failed[name] = str(exc)
            return
        counts = allocate(size, self.population.weights)
        tenants = interleave([t for t, c in enumerate(counts) for _ in range(c)], rng)
        present = {p.name for p in rows.plans if p.how != "omit"}
        kept = Batch({c: [] for c in self._needed(table) & present}, [])
        try:
            with self.conn.transaction():
                freeze = self._emptied(table)
                if rows.fresh_keys:  # its shared parents' rows must exist before it
                    whole = concat(list(self._timed(batches(rows, rng, tenants))))
                    self._backfill(rows, whole)
                    self._copy(table, rows.copy_columns, [whole], kept, freeze=freeze)
                else:
                    chunks = batches(rows, rng, tenants)
                    self._copy(table, rows.copy_columns, chunks, kept, freeze=freeze)
        except psycopg.Error as exc:
            self.state.failed[name] = _first_line(exc)
            return
        self.state.loaded[name] = len(kept)
        self._remember(table, kept)
        self.state.samples.append(self._sample(table, kept))

    def _needed(self, table: Table) -> set[str]:
        """Columns kept after COPY: keys children reference and the key of a sample row."""
        name = table.qualified_name
        wanted = {
            c
            for t in self.catalog.tables
            for fk in foreign_keys(self.catalog, t)
            if fk.parent == name
            for c in fk.parent_columns
        }
        return wanted | set(key_columns(self.catalog, table, self.column))

    def _timed(self, batches: Iterable[Batch]) -> Iterator[Batch]:
        """The batches, adding the time spent generating them to `generate_s`."""
        iterator = iter(batches)
        while True:
            started = time.perf_counter()
            batch = next(iterator, None)
            self.state.generate_s += time.perf_counter() - started
            if batch is None:
                return
            yield batch

    def _backfill(self, rows: TableRows, batch: Batch) -> None:
        """Rows of empty shared parents (auth.users) for the fresh keys just generated."""
        for fk in rows.fresh_keys:
            keys = sorted(set(zip(*(batch.columns[c] for c in fk.columns), strict=True)))
            parent = self.catalog.table(fk.parent)
            plan = plan_table(
                self.catalog,
                parent,
                self.types,
                tenant_column=None,
                parents={},
                tenant_values=(),
            )
            rng = random.Random(f"{self.seed}:{parent.qualified_name}")
            filled = plan.batch(rng, [0] * len(keys), self.state.extra_rows)
            for pos, column in enumerate(fk.parent_columns):
                filled.columns[column] = [k[pos] for k in keys]
            columns = list(dict.fromkeys([*plan.copy_columns, *fk.parent_columns]))
            self._copy(parent, columns, [filled])
            self.state.extra_rows += len(keys)

    def _copy(
        self,
        table: Table,
        columns: list[str],
        batches: Iterable[Batch],
        kept: Batch | None = None,
        *,
        freeze: bool = False,
    ) -> None:
        """COPY the batches as they are generated: a writer thread sends one chunk while
        the next is built, so generation and the server's work overlap."""
        statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
            sql.Identifier(table.schema, table.name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(" (FREEZE)" if freeze else ""),
        )
        with self.conn.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
            for batch in self._timed(batches):
                started = time.perf_counter()
                data = [batch.columns[c] for c in columns]
                text = ("\n".join(map("\t".join, zip(*data, strict=True))) + "\n").encode()
                self.digest.update(text)  # encoded once, for the digest and the wire
                self.state.generate_s += time.perf_counter() - started
                copy.write(text)
                if kept is not None:
                    kept.tenants.extend(batch.tenants)
                    for c, values_ in kept.columns.items():
                        values_.extend(batch.columns[c])

    def _remember(self, table: Table, batch: Batch) -> None:
        """Keep, per tenant, the key tuples every referencing foreign key will need; keys
        the server made (identity, serial) are read back."""
        name = table.qualified_name
        wanted = {
            fk.parent_columns
            for t in self.catalog.tables
            for fk in foreign_keys(self.catalog, t)
            if fk.parent == name
        }
        for columns in sorted(wanted):
            if all(c in batch.columns for c in columns):
                key_values = zip(*(batch.columns[c] for c in columns), strict=True)
                rows = zip(batch.tenants, key_values, strict=True)
            elif table.column(self.column) is not None:
                rows = self._read_keys(table, columns)
            else:
                continue
            buckets: list[list[Row]] = [[] for _ in self.population.tenants]
            add = [b.append for b in buckets]
            for t, row in rows:
                add[t](row)
            self.state.keys[name, columns] = {t: b for t, b in enumerate(buckets) if b}

    def _read_keys(self, table: Table, columns: tuple[str, ...]) -> Iterator[tuple[int, Row]]:
        index = {v: i for i, v in enumerate(self.population.tenants)}
        statement = sql.SQL("SELECT {}::text, {} FROM {} ORDER BY 2").format(
            sql.Identifier(self.column),
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
            sql.Identifier(table.schema, table.name),
        )
        for tenant, *key in self.conn.execute(statement):
            if tenant in index:
                yield index[tenant], tuple(values.escape(k) for k in key)

    def _sample(self, table: Table, batch: Batch) -> TableSample:
        key = key_columns(self.catalog, table, self.column)
        counts = Counter(batch.tenants)
        samples = []
        for size_class, t in self.population.classes:
            row = batch.tenants.index(t) if counts[t] else None
            value = None
            if key and row is not None and all(c in batch.columns for c in key):
                value = tuple(batch.columns[c][row] for c in key)
            samples.append(
                TenantSample(size_class, self.population.tenants[t], counts.get(t, 0), value)
            )
        return TableSample(table.qualified_name, len(batch), tuple(samples), "generated")

    def _emptied(self, table: Table) -> bool:
        frozen = emptied(self.conn, table)
        if frozen:
            self.state.frozen.add(table.qualified_name)
        return frozen

    def _analyze(self, tables: Sequence[Table]) -> float:
        """VACUUM (visibility map, for index-only scans; not needed where COPY FREEZE set
        it: ANALYZE records it) and ANALYZE; then the columns the canonical queries use
        (tenant, sort, key) again at a target that reads every row, so their statistics,
        and the plans, do not depend on ANALYZE's random sample."""
        started = time.perf_counter()
        loaded = [t for t in tables if t.qualified_name not in self.state.failed]
        if self.conn.autocommit:
            for table in loaded:
                ident = sql.Identifier(table.schema, table.name)
                if table.qualified_name in self.state.frozen:
                    self.conn.execute(sql.SQL("ANALYZE {}").format(ident))
                else:
                    self.conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(ident))
        with self.conn.transaction():
            self.conn.execute(
                "SELECT pg_catalog.set_config('default_statistics_target', %s, true)",
                (str(STATISTICS_TARGET),),
            )
            for table in loaded:
                ident = sql.Identifier(table.schema, table.name)
                if not self.conn.autocommit:  # VACUUM cannot run in a transaction
                    self.conn.execute(sql.SQL("ANALYZE {}").format(ident))
                if judged := self._judged(table):
                    columns = sql.SQL(", ").join(sql.Identifier(c) for c in judged)
                    self.conn.execute(sql.SQL("ANALYZE {} ({})").format(ident, columns))
        return time.perf_counter() - started

    def _judged(self, table: Table) -> list[str]:
        """The tenant (or root key), sort and key columns of a table, as it has them."""
        names = [self.column, *key_columns(self.catalog, table, self.column)]
        names.append(sort_column(self.catalog, table, self.column) or "")
        if self.root and table.qualified_name == self.root[0].qualified_name:
            names.append(self.root[1])
        present = {c.name for c in table.columns}
        return [n for n in dict.fromkeys(names) if n in present]


def _replica_mode(conn: psycopg.Connection[Any]) -> None:
    """Skip triggers and foreign-key checks for this transaction, where allowed."""
    try:
        with conn.transaction():
            conn.execute(
                "SELECT pg_catalog.set_config('session_replication_role', 'replica', true)"
            )
    except psycopg.errors.InsufficientPrivilege:
        pass  # triggers fire; rows are loaded parents first, so keys still hold


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
