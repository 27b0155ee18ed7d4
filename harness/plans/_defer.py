"""Keys and indexes built after the bulk load instead of maintained row by row.

A B-tree that grows one random UUID at a time costs more than the COPY itself; one sort
per index after the load costs a fraction of it, which is how `pgbench -i` and
pg_restore load. Only on targets the audit created, inside the load's transaction:
foreign keys, primary and unique keys and plain indexes of the loaded tables are dropped
and re-created from their own definitions (`pg_get_constraintdef`, `pg_get_indexdef`),
so the schema after the load is the schema before it. Anything another object depends
on (a key referenced from a table outside the load, a replica identity, an index of a
partition) stays where it is, and so does a unique index that is not a constraint (it may
be partial: the generator does not promise it holds).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..catalog import Table

MAINTENANCE_WORK_MEM = "256MB"
"""Sorts of a million keys in memory, for the rebuild only (transaction-local)."""

_CONSTRAINTS = """
SELECT k.conname, k.contype, n.nspname, c.relname, pg_catalog.pg_get_constraintdef(k.oid)
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE k.conrelid = ANY(%(tables)s) AND c.relkind = 'r' AND NOT c.relispartition
  AND k.conislocal AND k.contype IN ('f', 'p', 'u')
  AND (k.contype = 'f' OR NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint r
        WHERE r.contype = 'f' AND r.conindid = k.conindid AND r.conrelid <> ALL(%(tables)s)))
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_index i
        WHERE i.indexrelid = k.conindid AND k.contype <> 'f'
          AND (i.indisreplident OR i.indisclustered))
ORDER BY k.contype = 'f' DESC, n.nspname, c.relname, k.conname
"""
_INDEXES = """
SELECT n.nspname, ic.relname, pg_catalog.pg_get_indexdef(i.indexrelid)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
WHERE i.indrelid = ANY(%(tables)s) AND c.relkind = 'r' AND NOT c.relispartition
  AND ic.relkind = 'i' AND NOT i.indisunique AND NOT i.indisclustered
  AND NOT i.indisreplident AND i.indisvalid
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.refobjid = i.indexrelid AND d.classid <> 'pg_catalog.pg_class'::regclass)
ORDER BY 1, 2
"""


@dataclass
class Deferral:
    """What was dropped, and how long re-creating it took (known once the block ends)."""

    dropped: int = 0
    rebuild_s: float = 0.0


class RebuildFailed(Exception):
    """A key or index could not be re-created over the loaded rows."""


@dataclass(frozen=True, slots=True)
class _Dropped:
    kind: str
    """f (foreign key), p, u (keys) or i (index)."""
    schema: str
    table: str
    name: str
    definition: str

    def drop(self) -> sql.Composable:
        if self.kind == "i":
            return sql.SQL("DROP INDEX {}").format(sql.Identifier(self.schema, self.name))
        return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            sql.Identifier(self.schema, self.table), sql.Identifier(self.name)
        )

    def create(self) -> sql.Composable:
        if self.kind == "i":
            return sql.SQL(self.definition)  # type: ignore[arg-type]  # the server's own text
        return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.Identifier(self.schema, self.table),
            sql.Identifier(self.name),
            sql.SQL(self.definition),  # type: ignore[arg-type]
        )


@contextmanager
def deferred(conn: psycopg.Connection[Any], table_oids: Sequence[int]) -> Iterator[Deferral]:
    """Within an open transaction: drop what can be re-created, yield a `Deferral`, then
    re-create keys, indexes and last the foreign keys (validated against the rows).
    Raises `RebuildFailed` when the loaded rows break one of them."""
    tables = list(table_oids)
    found = [
        _Dropped(kind, schema, table, name, definition)
        for name, kind, schema, table, definition in conn.execute(_CONSTRAINTS, {"tables": tables})
    ]
    found += [
        _Dropped("i", schema, "", name, definition)
        for schema, name, definition in conn.execute(_INDEXES, {"tables": tables})
    ]
    dropped: list[_Dropped] = []
    for item in found:
        try:
            with conn.transaction():
                conn.execute(item.drop())
        except psycopg.Error:
            continue  # something leans on it, or it is not ours: it stays, maintained
        dropped.append(item)
    deferral = Deferral(len(dropped))
    yield deferral
    started = time.perf_counter()
    conn.execute(
        "SELECT pg_catalog.set_config('maintenance_work_mem', %s, true)", (MAINTENANCE_WORK_MEM,)
    )
    order = {"p": 0, "u": 0, "i": 1, "f": 2}
    for item in sorted(dropped, key=lambda d: order[d.kind]):
        try:
            conn.execute(item.create())
        except psycopg.Error as exc:
            raise RebuildFailed(f"re-creating {item.name} failed: {exc}") from exc
    deferral.rebuild_s = time.perf_counter() - started


def emptied(conn: psycopg.Connection[Any], table: Table) -> bool:
    """TRUNCATE the table when it holds no row, so COPY may FREEZE: rows arrive frozen
    and their pages all-visible, so the visibility map (index-only scans) does not
    depend on which snapshots were open when VACUUM ran. Not when a foreign key still
    points at it (keys maintained row by row, or a table outside the load)."""
    if table.kind != "table":  # COPY FREEZE refuses partitioned tables
        return False
    ident = sql.Identifier(table.schema, table.name)
    try:
        with conn.transaction():
            row = conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(ident)).fetchone()
            if row is None or row[0]:
                return False
            conn.execute(sql.SQL("TRUNCATE {}").format(ident))
    except psycopg.Error:
        return False
    return True
