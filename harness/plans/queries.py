"""The canonical tenant queries of a table, as the application would send them.

Each relies on row-level security alone for the tenant restriction (that is what is being
judged), and comes with a baseline: the same query with an explicit tenant WHERE, run with
row security off, to measure what the policy costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from psycopg import sql
from sqlglot import exp

from ..catalog import Catalog, Table
from .model import QueryKind, TenantSample

TIME_NAMES = ("created_at", "inserted_at", "created", "created_on", "updated_at", "occurred_at")
TIME_TYPES = ("timestamp with time zone", "timestamp without time zone", "date")
NEWEST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class QuerySpec:
    kind: QueryKind
    query: sql.Composable
    baseline: sql.Composable | None
    sort_column: str | None = None
    generic: bool = False
    """Parameters remain: EXPLAIN (GENERIC_PLAN), never executed."""
    location: str | None = None
    """Where an application statement was found (`path:line:column`)."""

    def text(self) -> str:
        return self.query.as_string(None)


def key_columns(catalog: Catalog, table: Table, tenant_column: str) -> tuple[str, ...]:
    """The key within a tenant: the primary key (or first unique key) minus the tenant."""
    constraints = catalog.constraints_on(table)
    for kind in ("primary key", "unique"):
        for c in constraints:
            rest = tuple(col for col in c.columns if col != tenant_column)
            if c.type == kind and rest:
                return rest
    return ()


def sort_column(catalog: Catalog, table: Table, tenant_column: str) -> str | None:
    """The column "newest first" sorts by: a creation time, else any time, else the key."""
    times = [c for c in table.columns if c.type in TIME_TYPES]
    for name in TIME_NAMES:
        if any(c.name == name for c in times):
            return name
    if times:
        return times[0].name
    keys = key_columns(catalog, table, tenant_column)
    return keys[0] if keys else None


def synthetic_key(table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """A key value of the right type that matches no row: the plan needs only its shape."""
    values = []
    for name in columns:
        column = table.column(name)
        kind = column.type if column else "text"
        if kind == "uuid":
            values.append("00000000-0000-4000-8000-000000000000")
        elif kind in ("integer", "bigint", "smallint") or kind.startswith("numeric"):
            values.append("0")
        else:
            values.append("rls-audit-probe")
    return tuple(values)


def canonical_queries(
    catalog: Catalog, table: Table, tenant: TenantSample, tenant_column: str
) -> list[QuerySpec]:
    """newest 50, fetch by key, count: each for the tenant of `tenant`."""
    rel = sql.Identifier(table.schema, table.name)
    tenant_eq = sql.SQL("{} = {}").format(sql.Identifier(tenant_column), sql.Literal(tenant.tenant))
    specs: list[QuerySpec] = []
    sort = sort_column(catalog, table, tenant_column)
    if sort is not None:
        order = sql.SQL("ORDER BY {} DESC LIMIT {}").format(
            sql.Identifier(sort), sql.Literal(NEWEST_LIMIT)
        )
        specs.append(
            QuerySpec(
                "newest",
                sql.SQL("SELECT * FROM {} {}").format(rel, order),
                sql.SQL("SELECT * FROM {} WHERE {} {}").format(rel, tenant_eq, order),
                sort_column=sort,
            )
        )
    keys = key_columns(catalog, table, tenant_column)
    if keys:
        values = tenant.key or synthetic_key(table, keys)
        match = sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(v))
            for k, v in zip(keys, values, strict=True)
        )
        specs.append(
            QuerySpec(
                "by_id",
                sql.SQL("SELECT * FROM {} WHERE {}").format(rel, match),
                sql.SQL("SELECT * FROM {} WHERE {} AND {}").format(rel, tenant_eq, match),
            )
        )
    specs.append(
        QuerySpec(
            "count",
            sql.SQL("SELECT count(*) FROM {}").format(rel),
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(rel, tenant_eq),
        )
    )
    return specs


def app_query(text: str, table: Table, tenant: TenantSample, tenant_column: str, *,
              generic: bool = False, location: str | None = None) -> QuerySpec:  # fmt: skip
    """Application SQL the linter collected, its tenant parameters already bound; the
    baseline adds the explicit tenant WHERE wherever the query reads the table."""
    text = text.strip().rstrip(";")
    baseline = with_tenant_filter(text, table, tenant_column, tenant.tenant)
    return QuerySpec(
        "app",
        sql.SQL(text),  # type: ignore[arg-type]  # the application's own statement
        sql.SQL(baseline) if baseline else None,  # type: ignore[arg-type]
        generic=generic,
        location=location,
    )


def with_tenant_filter(text: str, table: Table, column: str, tenant: str) -> str | None:
    """`text` with `<alias>.<column> = '<tenant>'` ANDed into every SELECT reading the
    table; None when sqlglot cannot parse it or the query does not read the table."""
    try:
        tree = sqlglot.parse_one(text, dialect="postgres")
    except sqlglot.errors.ParseError:
        return None
    changed = False
    for ref in list(tree.find_all(exp.Table)):
        if ref.name != table.name or (ref.db or table.schema) != table.schema:
            continue
        select = ref.find_ancestor(exp.Select)
        if select is None:
            continue
        condition = exp.EQ(
            this=exp.column(column, table=ref.alias_or_name), expression=exp.Literal.string(tenant)
        )
        select.where(condition, append=True, copy=False)
        changed = True
    return tree.sql(dialect="postgres") if changed else None
