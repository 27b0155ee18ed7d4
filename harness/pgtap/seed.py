"""The generated tenants' rows as INSERT statements a pgTAP file can replay.

The rows are the ones the probe stage's populator wrote (Hypothesis-generated, checked by
the server), rendered as literals cast to each column's type, in foreign-key order.
Foreign keys the populator left NULL to break a cycle are filled in by an UPDATE at
the end, as the populator did. Generated columns are left to the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ..catalog import Catalog, Column, Table
from ..probes.population import World
from ..probes.scope import Scope

JSON_TYPES = frozenset({"json", "jsonb"})


@dataclass(frozen=True, slots=True)
class Seed:
    statements: tuple[str, ...]
    rows: int


def literal(conn: psycopg.Connection[Any], value: Any, column: Column) -> sql.Composable:
    """`'…'::type`: the value as psycopg renders it, cast to the column's declared type."""
    if value is None:
        return sql.SQL("NULL")
    if column.type in JSON_TYPES or isinstance(value, dict):
        value = Jsonb(value)
    rendered = sql.Literal(value).as_string(conn)
    if rendered.endswith(f"::{column.type}"):
        return sql.SQL(rendered)  # psycopg already cast it to this type
    return sql.SQL("{}::{}").format(sql.SQL(rendered), sql.SQL(column.type))


def insert_row(
    conn: psycopg.Connection[Any],
    table: Table,
    values: dict[str, Any],
    *,
    skip: Iterable[str] = (),
) -> sql.Composed:
    """INSERT of one row; `skip` columns are left to their defaults."""
    left_out = set(skip)
    cols = [c for c in table.columns if c.name in values and c.name not in left_out]
    cols = [c for c in cols if not c.is_generated]
    overriding = any(c.identity == "always" for c in cols)
    return sql.SQL("INSERT INTO {} ({}){} VALUES ({})").format(
        sql.Identifier(table.schema, table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in cols),
        sql.SQL(" OVERRIDING SYSTEM VALUE") if overriding else sql.SQL(""),
        sql.SQL(", ").join(literal(conn, values[c.name], c) for c in cols),
    )


_CLOCK = re.compile(
    r"\b(now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\s*\(|"
    r"\bcurrent_(timestamp|date|time)\b|\blocaltimestamp\b|\blocaltime\b",
    re.IGNORECASE,
)


def clock_columns(table: Table) -> set[str]:
    """Columns whose default reads the clock: left to the default when the suite runs, so
    the exported file is the same byte for byte each time it is generated."""
    return {c.name for c in table.columns if c.default and _CLOCK.search(c.default)}


def seed_statements(
    conn: psycopg.Connection[Any], catalog: Catalog, scope: Scope, world: World
) -> Seed:
    order = {name: i for i, name in enumerate(scope.order)}
    inserts: list[str] = []
    updates: list[str] = []
    count = 0
    for name in sorted(world.rows, key=lambda n: order.get(n, -1)):
        table = catalog.table(name)
        ts = scope.tables.get(name)
        deferred = [fk for fk in (ts.fks if ts else ()) if (name, fk.name) in scope.deferred]
        # MATCH SIMPLE skips a foreign key with a NULL column: null the nullable ones.
        nullable = {c.name for c in table.columns if not c.not_null}
        later = {c for fk in deferred for c in fk.columns if c in nullable}
        for row in world.rows[name]:
            values = dict(row.values)
            late = {c: values[c] for c in later if values.get(c) is not None}
            for c in late:
                values[c] = None
            stmt = insert_row(conn, table, values, skip=clock_columns(table))
            inserts.append(stmt.as_string(conn) + ";")
            count += 1
            if late and ts and ts.pk:
                updates.append(_update(conn, table, late, {c: row.values[c] for c in ts.pk}))
    return Seed(tuple(inserts + updates), count)


def _update(
    conn: psycopg.Connection[Any], table: Table, values: dict[str, Any], key: dict[str, Any]
) -> str:
    def pairs(items: dict[str, Any], sep: str) -> sql.Composable:
        return sql.SQL(sep).join(
            sql.SQL("{} = {}").format(sql.Identifier(c), literal(conn, v, _col(table, c)))
            for c, v in items.items()
        )

    stmt = sql.SQL("UPDATE {} SET {} WHERE {}").format(
        sql.Identifier(table.schema, table.name), pairs(values, ", "), pairs(key, " AND ")
    )
    return stmt.as_string(conn) + ";"


def _col(table: Table, name: str) -> Column:
    found = table.column(name)
    if found is None:
        raise KeyError(f"{table.qualified_name} has no column {name}")
    return found
