"""With `--dsn`: tenant tables from the catalog, and SQL the database itself holds.

The catalog snapshot gives the tenant tables and the views and functions to lint;
pg_stat_statements, when installed and readable, gives the statements the applications
actually ran (already normalised: constants are `$n` parameters). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from ..errors import ConnectionFailed
from ..target.dsn import ExistingServer, first_line
from .catalog_sources import catalog_sources
from .sources import Source
from .tenants import TenantTables

_EXTENSION = """
select n.nspname from pg_catalog.pg_extension e
  join pg_catalog.pg_namespace n on n.oid = e.extnamespace
 where e.extname = 'pg_stat_statements'
"""
HIDDEN = "<insufficient privilege>"


@dataclass
class LiveInputs:
    tenants: TenantTables
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _statements(conn: psycopg.Connection[Any], database: str) -> tuple[list[Source], list[str]]:
    row = conn.execute(_EXTENSION).fetchone()
    if row is None:
        return [], [
            f"pg_stat_statements is not installed in database {database}: "
            "linted files and the database's views and functions only"
        ]
    query = sql.SQL("select queryid, query from {}.pg_stat_statements order by queryid").format(
        sql.Identifier(row[0])
    )
    try:
        with conn.transaction():
            rows = conn.execute(query).fetchall()
    except psycopg.Error as exc:
        return [], [f"pg_stat_statements could not be read: {first_line(exc)}"]
    sources = [
        Source(f"pg_stat_statements/{qid}", text, kind="pg_stat_statements")
        for qid, text in rows
        if text and text != HIDDEN
    ]
    hidden = sum(1 for _, text in rows if text == HIDDEN)
    notes = (
        [f"{hidden} pg_stat_statements entries hidden (grant pg_read_all_stats)"] if hidden else []
    )
    return sources, notes


def live_inputs(dsn: str, *, tenant_column: str) -> LiveInputs:
    """Read the catalog and pg_stat_statements of the database `dsn` names."""
    from ..catalog import load_catalog

    server = ExistingServer(dsn).start()
    try:
        conn = psycopg.connect(server.conninfo(), autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise ConnectionFailed(f"cannot connect: {first_line(exc)}") from None
    with conn:
        catalog = load_catalog(conn, tenant_column=tenant_column)
        statements, notes = _statements(conn, catalog.database)
    tenants = TenantTables.from_catalog(catalog)
    return LiveInputs(tenants, [*catalog_sources(catalog), *statements], notes)
