"""The API roles and the tenant setting a team configures reach the static rules: a
schema whose API connects as `web_user` and keeps the tenant in `myapp.scope` is judged
by its own names, not by the Supabase defaults."""

from __future__ import annotations

import pytest

from harness.audit import run_checks
from harness.catalog import load_catalog
from harness.findings.registry import all_checks

pytestmark = pytest.mark.integration

DDL = """
do $$ begin
  if not exists (select from pg_roles where rolname = 'web_user') then
    create role web_user nologin;
  end if;
end $$;
create table public.invoices (id int primary key, tenant_id uuid not null, total numeric);
grant select, insert, update, delete on public.invoices to web_user;
create table public.notes (id int primary key, tenant_id uuid not null, body text);
alter table public.notes enable row level security;
alter table public.notes force row level security;
create function public.current_scope() returns uuid language sql stable
  as $f$ select nullif(current_setting('myapp.scope', true), '')::uuid $f$;
create policy notes_read on public.notes for select to web_user
  using (tenant_id = (select public.current_scope()));
grant select on public.notes to web_user;
"""


def static_findings(conn, **config):
    catalog = load_catalog(conn, **config)
    checks = [c for c in all_checks() if c.stage.value == "static"]
    return run_checks(checks, catalog)


def on(findings, rule, name):
    return [f for f in findings if f.rule == rule and f.object.name == name]


def test_configured_api_role_is_the_one_judged(rls_blank_conn):
    rls_blank_conn.execute(DDL)
    default = static_findings(rls_blank_conn)
    configured = static_findings(rls_blank_conn, api_roles=("web_user",), tenant_guc="myapp.scope")
    # RLS disabled on a table the API role can read: only with the role configured does
    # the finding name the exposure to web_user.
    exposed = on(configured, "RLS001", "invoices")
    assert exposed and "web_user" in exposed[0].message
    assert not any("web_user" in f.message for f in on(default, "RLS001", "invoices"))


def test_configured_tenant_setting_is_the_one_the_fix_sets(rls_blank_conn):
    rls_blank_conn.execute(DDL.split("create table public.notes")[0])  # no policy to copy
    default = on(static_findings(rls_blank_conn, api_roles=("web_user",)), "RLS001", "invoices")
    configured = on(
        static_findings(rls_blank_conn, api_roles=("web_user",), tenant_guc="myapp.scope"),
        "RLS001",
        "invoices",
    )
    assert "'app.current_tenant_id'" in (default[0].remediation.fix_sql or "")
    fix = configured[0].remediation.fix_sql or ""
    assert "'myapp.scope'" in fix and "app.current_tenant_id" not in fix
