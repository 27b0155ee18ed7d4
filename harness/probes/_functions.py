"""Callable functions and argument candidates, drawn from a tenant's own data."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from ..catalog import Function
from .context import ProbeContext
from .population import Tenant

SKIP_RETURNS = {"trigger", "event_trigger", "internal", "language_handler", "fdw_handler"}
MAX_CALLS = 8


def callable_functions(ctx: ProbeContext, role: str) -> list[Function]:
    out = []
    for f in ctx.catalog.functions:
        if f.schema not in ctx.catalog.exposed_schemas or f.kind != "function":
            continue
        if f.return_type in SKIP_RETURNS:
            continue
        row = ctx.conn.execute(
            "select pg_catalog.has_function_privilege(%s, %s::regprocedure, 'EXECUTE')",
            (role, f.signature),
        ).fetchone()
        if row and row[0]:
            out.append(f)
    return out


def candidates(ctx: ProbeContext, tenant: Tenant, type_name: str) -> list[Any]:
    """Values of `tenant` of a type: its id and row ids for uuid, its keys for text."""
    base = type_name.split("(")[0].strip()
    out: list[Any] = []
    if base in ("uuid", "public.tenant_uuid", "tenant_uuid"):
        out.append(tenant.id)
        for ts in ctx.scope.tenant_tables():
            for r in ctx.world.owned(ts.name, tenant.id)[:1]:
                for k in ts.pk or ():
                    v = r.values.get(k)
                    if v is not None and str(v) != tenant.id:
                        out.append(str(v))
    elif base in ("text", "character varying", "varchar", "name", "citext"):
        for ts in ctx.scope.tenant_tables():
            for u in ts.uniques:
                for c in u.columns:
                    plan = ctx.world.plans.get(ts.name, {}).get(c)
                    if plan is None or not plan.is_text:
                        continue
                    for r in ctx.world.owned(ts.name, tenant.id)[:1]:
                        if r.values.get(c) is not None:
                            out.append(str(r.values[c]))
    elif base in ("integer", "bigint", "smallint", "numeric"):
        out.append("1")
    elif base == "boolean":
        out.append("true")
    return list(dict.fromkeys(out))


def calls(ctx: ProbeContext, f: Function, tenant: Tenant) -> list[tuple[str, ...]]:
    """Argument tuples built from one tenant's values: vary each argument in turn."""
    if not f.arg_types:
        return [()]
    pools = [candidates(ctx, tenant, t) for t in f.arg_types]
    if any(not p for p in pools):
        return []
    base = [p[0] for p in pools]
    out = [tuple(base)]
    for i, pool in enumerate(pools):
        for v in pool[1:]:
            args = list(base)
            args[i] = v
            out.append(tuple(args))
    return list(dict.fromkeys(out))[:MAX_CALLS]


def call_statement(f: Function, nargs: int) -> sql.Composable:
    return sql.SQL("select * from {}({})").format(
        sql.Identifier(f.schema, f.name), sql.SQL(", ").join(sql.Placeholder() * nargs)
    )


def delete_tenant(ctx: ProbeContext, tenant: Tenant) -> list[tuple[sql.Composable, Any]]:
    """Statements (run as the login role) removing every row of `tenant`, children first."""
    out = []
    for name in reversed(ctx.scope.order):
        ts = ctx.scope.tables[name]
        if ts.tenant_key:
            out.append(
                (
                    sql.SQL("delete from {} where {} = %s").format(
                        sql.Identifier(ts.table.schema, ts.table.name),
                        sql.Identifier(ts.tenant_key),
                    ),
                    (tenant.id,),
                )
            )
    return out
