"""What the loader reads from the target before writing: column types and the keys of
shared parent tables (such as a lookup table the migrations filled)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ..catalog import Catalog
from . import _values as values


def existing_keys(
    conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...]
) -> list[tuple[str, ...]] | None:
    """Keys of a shared parent's existing rows (lookup tables); None when it is empty."""
    schema, _, name = table.rpartition(".")
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    statement = sql.SQL("SELECT DISTINCT {} FROM {} ORDER BY {} LIMIT 10000").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
        sql.Identifier(schema, name),
        cols,
    )
    rows = conn.execute(statement).fetchall()
    return [tuple(values.escape(v) for v in r) for r in rows] or None


def resolve_types(conn: psycopg.Connection[Any], catalog: Catalog) -> dict[str, values.TypeInfo]:
    """TypeInfo for every column type; domains resolve to their base, enums to labels."""
    out: dict[str, values.TypeInfo] = {}
    for table in catalog.tables:
        for column in table.columns:
            if column.type in out:
                continue
            info = values.classify(column.type)
            if info.kind == "unknown":
                info = user_type(conn, column.type)
            out[column.type] = info
    return out


def user_type(conn: psycopg.Connection[Any], type_text: str) -> values.TypeInfo:
    row = conn.execute(
        "SELECT t.typtype, pg_catalog.format_type(t.typbasetype, t.typtypmod),"
        " array(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e"
        "       WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)"
        " FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype(%s)",
        (type_text,),
    ).fetchone()
    if row is None:
        return values.TypeInfo("unknown")
    typtype, base, labels = row
    if typtype == "d":
        return values.classify(base)
    if typtype == "e":
        return values.TypeInfo("enum", labels=tuple(labels))
    return values.TypeInfo("unknown")
