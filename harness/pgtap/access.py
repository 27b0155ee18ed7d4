"""The access matrix as pgTAP assertions: what each API role, acting for tenant A, may do
to its own rows and to another tenant's.

Every attempt runs through `pg_temp.rls_try(role, sql)`, a helper the suite
creates: inside a subtransaction it sets the tenant context (as the trusted API server
would), switches to the role, runs the statement, and rolls everything back, returning
`rows N` or `error SQLSTATE`. Own-row results are pinned as observed at export time.
Other-tenant results must be refused or empty: the observed value is pinned when it is
(an error code is part of the contract), otherwise the suite expects the secure value
and fails, as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from .. import db
from ..catalog import Catalog, Column, Table
from ..probes.population import World
from ..probes.scope import Scope, TableScope
from .seed import clock_columns, insert_row, literal

COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
REFUSED = ("rows 0", "error 42501")
"""What an attempt on another tenant's rows may return: nothing, or permission denied."""

HELPER = """\
CREATE FUNCTION pg_temp.rls_try(p_role text, p_sql text)
RETURNS text LANGUAGE plpgsql AS $rls_try$
DECLARE
  v_context text[] := pg_temp.rls_context(p_role);
  v_rows bigint;
BEGIN
  BEGIN
    FOR i IN 1 .. coalesce(array_length(v_context, 1), 0) LOOP
      EXECUTE v_context[i];
    END LOOP;
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    EXECUTE p_sql;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RAISE EXCEPTION USING ERRCODE = 'RLSAT', MESSAGE = 'rows ' || v_rows;
  EXCEPTION
    WHEN SQLSTATE 'RLSAT' THEN
      RETURN SQLERRM;  -- the attempt succeeded; its effects are rolled back
    WHEN OTHERS THEN
      RETURN 'error ' || SQLSTATE;
  END;
END
$rls_try$;"""


def helper_sql(contexts: dict[str, tuple[str, ...]]) -> str:
    """The helpers: the context statements per role (what the trusted API server runs
    for tenant A before handing over), then `rls_try`."""
    cases = [
        sql.SQL("    WHEN {} THEN ARRAY[{}]::text[]").format(
            sql.Literal(role), sql.SQL(", ").join(sql.Literal(c) for c in stmts)
        )
        for role, stmts in contexts.items()
    ]
    context = sql.SQL(
        "CREATE FUNCTION pg_temp.rls_context(p_role text)\n"
        "RETURNS text[] LANGUAGE sql AS $rls_context$\n"
        "  SELECT CASE p_role\n{}\n  END\n$rls_context$;"
    ).format(sql.SQL("\n").join(cases) if cases else sql.SQL("    WHEN NULL THEN NULL"))
    return context.as_string(None) + "\n\n" + HELPER


@dataclass(frozen=True, slots=True)
class Attempt:
    table: str
    role: str
    command: str
    own: bool
    """True: on the actor's own rows (pinned); False: on another tenant's (must be refused)."""
    statement: str

    @property
    def description(self) -> str:
        whose = "own rows" if self.own else "another tenant's rows"
        return f"{self.role} as tenant A: {self.command} on {whose} of {self.table}"

    def expected(self, observed: str) -> str:
        if self.own:
            return observed
        if self.command == "INSERT":
            return observed if observed.startswith("error ") else "error 42501"
        return observed if observed in REFUSED else "rows 0"

    def leaked(self, observed: str) -> bool:
        """The suite will fail on this database: the attempt was not refused."""
        return self.expected(observed) != observed

    def call(self, conn: psycopg.Connection[Any]) -> sql.Composed:
        """The helper call, with the role and the statement as literals."""
        return sql.SQL("pg_temp.rls_try({}, {})").format(
            sql.Literal(self.role), sql.Literal(self.statement)
        )


def plan_attempts(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    scope: Scope,
    world: World,
    roles: tuple[str, ...],
    spec: db.ContextSpec,
) -> tuple[list[Attempt], dict[str, tuple[str, ...]]]:
    """Four commands x own/other x API role, for every tenant table that has rows; and
    each role's context statements, for `helper_sql`."""
    a, b = world.tenants[0].id, world.tenants[1].id
    contexts = {
        role: tuple(
            db.render(conn, stmt, params)
            for stmt, params in db.context_statements(db.Actor(role, a), spec)
        )
        for role in roles
    }
    out = []
    for ts in scope.tenant_tables():
        if ts.table.schema not in catalog.exposed_schemas or not world.owned(ts.name, a):
            continue
        sample = world.owned(ts.name, a)[0].values
        for role in roles:
            for command in COMMANDS:
                for own in (True, False):
                    stmt = _statement(conn, catalog, ts, role, command, a, b, own, sample)
                    out.append(Attempt(ts.name, role, command, own, stmt))
    return out, contexts


def _statement(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    ts: TableScope,
    role: str,
    command: str,
    a: str,
    b: str,
    own: bool,
    sample: dict[str, Any],
) -> str:
    table, key = ts.table, ts.tenant_key or catalog.tenant_column
    rel = sql.Identifier(table.schema, table.name)
    key_col = table.column(key)
    assert key_col is not None
    mine = literal(conn, a, key_col)
    where = sql.SQL("{} = {}" if own else "{} <> {}").format(sql.Identifier(key), mine)
    if command == "SELECT":
        stmt: sql.Composable = sql.SQL("SELECT 1 FROM {} WHERE {}").format(rel, where)
    elif command == "DELETE":
        stmt = sql.SQL("DELETE FROM {} WHERE {}").format(rel, where)
    elif command == "UPDATE":
        col = sql.Identifier(_updatable(catalog, table, role) or key)
        stmt = sql.SQL("UPDATE {} SET {} = {} WHERE {}").format(rel, col, col, where)
    else:
        values = {**sample, key: a if own else b}
        defaulted = [c for c in ts.pk if c != key and _defaults(table.column(c))]
        stmt = insert_row(conn, table, values, skip={*defaulted, *clock_columns(table)})
    return stmt.as_string(conn)


def _defaults(column: Column | None) -> bool:
    """Left out of a copied row, so the server makes a fresh key instead of a duplicate."""
    return column is not None and (column.default is not None or column.is_identity)


def _updatable(catalog: Catalog, table: Table, role: str) -> str | None:
    """A column `role` may UPDATE (directly or through PUBLIC), so the attempt tests RLS
    rather than a missing column grant; None when there is none."""
    holders = {role, "PUBLIC"}
    grants = [
        g for g in catalog.grants_on(table) if g.privilege == "UPDATE" and g.grantee in holders
    ]
    if any(g.column is None for g in grants):
        return table.tenant_column or (table.columns[0].name if table.columns else None)
    columns = sorted(g.column for g in grants if g.column)
    return columns[0] if columns else None
