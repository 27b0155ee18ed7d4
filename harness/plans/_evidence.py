"""Evidence and fixes the plan checks attach: the plan as JSON and as a tree, the tenant
size it was taken at, a reproducer, and the index to create as SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import sql

from ..findings.model import Evidence, ObjectRef
from .model import PlanContext, PlanRecord
from .tree import parse_plan, render


def table_ref(table: str) -> ObjectRef:
    return ObjectRef.parse(table, kind="table")


def tenant_size(record: PlanRecord) -> str:
    rows = "?" if record.tenant.rows is None else f"{record.tenant.rows:,}"
    return f"a {record.tenant.size_class} tenant ({rows} of {record.table_rows:,} rows)"


def reproducer(record: PlanRecord, ctx: PlanContext) -> str:
    """Plain SQL a reviewer can paste into psql to see the same plan."""
    explain = "EXPLAIN (ANALYZE, BUFFERS)" if record.analyzed else "EXPLAIN"
    role = sql.Identifier(ctx.settings.api_role).as_string(None)
    guc = sql.Literal(ctx.settings.tenant_guc).as_string(None)
    tenant = sql.Literal(record.tenant.tenant).as_string(None)
    return (
        "BEGIN;\n"
        f"SET LOCAL ROLE {role};\n"
        f"SELECT pg_catalog.set_config({guc}, {tenant}, true);\n"
        f"{explain} {record.sql};\n"
        "ROLLBACK;"
    )


def plan_evidence(
    record: PlanRecord,
    ctx: PlanContext,
    *,
    observed: str,
    expected: str,
    suggested: Sequence[str] | None = None,
    **details: Any,
) -> Evidence:
    """`suggested`: the columns of the index the finding suggests; where hypopg gave the
    plan with exactly that index, it goes in as `with_suggested_index`."""
    plan: dict[str, Any] = {"json": record.plan_json, "tree": render(parse_plan(record.plan_json))}
    if (
        record.hypothetical_json is not None
        and suggested is not None
        and tuple(suggested) == record.hypothetical_columns
    ):
        plan["with_suggested_index"] = {
            "index": record.hypothetical_index,
            "tree": render(parse_plan(record.hypothetical_json)),
            "json": record.hypothetical_json,
            "cost_before": total_cost(record.plan_json),
            "cost_after": total_cost(record.hypothetical_json),
        }
    extra = {
        "query": record.query,
        "size_class": record.tenant.size_class,
        "tenant_rows": record.tenant.rows,
        "table_rows": record.table_rows,
        "analyzed": record.analyzed,
    }
    if record.overhead is not None:
        extra["rls_overhead"] = record.overhead
        extra["baseline_sql"] = record.baseline_sql
    return Evidence(
        sql=record.sql,
        actor=ctx.settings.api_role,
        tenant=f"{record.tenant.tenant} ({tenant_size(record)})",
        expected=expected,
        observed=observed,
        plan=plan,
        reproducer=reproducer(record, ctx),
        details={**extra, **details},
    )


def total_cost(explain_json: Any) -> float | None:
    """The planner's total cost of the plan's top node."""
    try:
        return float(explain_json[0]["Plan"]["Total Cost"])
    except (LookupError, TypeError, ValueError):
        return None


def create_index(table: str, columns: Sequence[str]) -> str:
    """CREATE INDEX CONCURRENTLY for `columns` of `schema.table`; PostgreSQL names it."""
    schema, _, name = table.rpartition(".")
    return (
        sql.SQL("CREATE INDEX CONCURRENTLY ON {} ({});")
        .format(
            sql.Identifier(schema, name) if schema else sql.Identifier(name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        )
        .as_string(None)
    )


def suggested_columns(records: Sequence[PlanRecord], column: str) -> list[str]:
    """The tenant column, then the column the table's newest-rows query sorts by."""
    sort = next((r.sort_column for r in records if r.sort_column), None)
    return [column, sort] if sort and sort != column else [column]
