"""Catalog snapshot benchmark: a schema of many tenant tables, and the time to read it.

The DDL assumes the roles anon, authenticated and service_role exist (the Supabase shim
creates them); run it as the schema owner so the tables are owned as in production.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import psycopg

from harness.catalog import load_catalog

TENANT = "current_setting('app.current_tenant_id', true)::uuid"

_TABLE = """\
create table public.{t} (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
  name text not null,
  amount numeric(12, 2),
  created_at timestamptz not null default now(),
  updated_at timestamptz,
  constraint {t}_tenant_id_id_key unique (tenant_id, id)
);
create index {t}_tenant_created_idx on public.{t} (tenant_id, created_at);
alter table public.{t} enable row level security;
alter table public.{t} force row level security;
create policy {t}_select on public.{t} for select to authenticated
  using (tenant_id = {tenant});
create policy {t}_insert on public.{t} for insert to authenticated
  with check (tenant_id = {tenant});
create policy {t}_update on public.{t} for update to authenticated
  using (tenant_id = {tenant}) with check (tenant_id = {tenant});
create policy {t}_delete on public.{t} for delete to authenticated
  using (tenant_id = {tenant});
grant select, insert, update, delete on public.{t} to anon, authenticated, service_role;
"""


def generate_schema_sql(n_tables: int = 1000) -> str:
    """DDL for `n_tables` RLS-protected tenant tables, each with 4 policies and 3 indexes."""
    return "\n".join(
        _TABLE.format(t=f"bench_{i:05d}", tenant=TENANT) for i in range(1, n_tables + 1)
    )


def time_snapshot(conn: psycopg.Connection[Any], repeat: int = 5) -> dict[str, Any]:
    """Seconds per `load_catalog(conn)`: min and median over `repeat` runs."""
    timings: list[float] = []
    tables = 0
    for _ in range(repeat):
        started = time.perf_counter()
        catalog = load_catalog(conn)
        timings.append(time.perf_counter() - started)
        tables = len(catalog.tenant_tables())
    return {
        "min": min(timings),
        "median": statistics.median(timings),
        "repeat": repeat,
        "tenant_tables": tables,
    }
