"""Structural assertions: RLS enabled and forced on every tenant table, and the policies
per table, command and role exactly as the audit saw them.

RLS enabled and forced are asserted as requirements (the audit's RLS001/RLS003), so a
suite exported from a flawed schema fails there. Policies are pinned as they are:
`policies_are` fails when one is added or dropped, `policy_cmd_is` and
`policy_roles_are` when one changes command or roles (PUBLIC, which pgTAP's
`policy_roles_are` cannot name, is checked with a catalog query instead).
"""

from __future__ import annotations

from psycopg import sql

from ..catalog import Catalog, Policy, Table
from ..probes.scope import Scope

_FLAG = """\
SELECT ok(coalesce((SELECT c.{flag} FROM pg_catalog.pg_class AS c
  WHERE c.oid = pg_catalog.to_regclass({rel})), false), {desc});"""

_PUBLIC_ROLES = """\
SELECT is(ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.oid) END
  FROM pg_catalog.pg_policy AS p, pg_catalog.unnest(p.polroles) AS r (oid)
  WHERE p.polrelid = pg_catalog.to_regclass({rel}) AND p.polname = {name} ORDER BY 1),
  {roles}::text[], {desc});"""


def _lit(value: object) -> str:
    return sql.Literal(value).as_string(None)


def structure_tests(catalog: Catalog, scope: Scope) -> list[str]:
    """One `SELECT <pgTAP assertion>;` per test, in table order."""
    out: list[str] = []
    for ts in scope.tenant_tables():
        if ts.table.schema in catalog.exposed_schemas:
            out += _table_tests(catalog, ts.table)
    return out


def _table_tests(catalog: Catalog, table: Table) -> list[str]:
    rel = _lit(table.qualified_name)
    name = table.qualified_name
    out = [
        f"SELECT has_table({_lit(table.schema)}::name, {_lit(table.name)}::name, "
        f"{_lit(f'{name} exists')});",
        _FLAG.format(flag="relrowsecurity", rel=rel, desc=_lit(f"{name} has RLS enabled")),
        _FLAG.format(flag="relforcerowsecurity", rel=rel, desc=_lit(f"{name} forces RLS")),
    ]
    policies = catalog.policies_for(table)
    names = ", ".join(_lit(p.name) for p in policies)
    out.append(
        f"SELECT policies_are({_lit(table.schema)}::name, {_lit(table.name)}::name, "
        f"ARRAY[{names}]::name[], {_lit(f'{name} has exactly the audited policies')});"
    )
    for p in policies:
        out += _policy_tests(table, p)
    return out


def _policy_tests(table: Table, p: Policy) -> list[str]:
    s, t, n = _lit(table.schema), _lit(table.name), _lit(p.name)
    label = f"policy {p.name} on {table.qualified_name}"
    kind = "permissive" if p.permissive else "restrictive"
    out = [
        f"SELECT policy_cmd_is({s}::name, {t}::name, {n}::name, {_lit(p.command)}, "
        f"{_lit(f'{label} is for {p.command}')});",
        f"SELECT is((SELECT p.polpermissive FROM pg_catalog.pg_policy AS p "
        f"WHERE p.polrelid = pg_catalog.to_regclass({_lit(table.qualified_name)}) "
        f"AND p.polname = {n}), {'true' if p.permissive else 'false'}, "
        f"{_lit(f'{label} is {kind}')});",
    ]
    roles_desc = _lit(f"{label} applies to {', '.join(p.roles)}")
    if "public" in p.roles:
        roles = "ARRAY[" + ", ".join(_lit(r) for r in p.roles) + "]"
        rel = _lit(table.qualified_name)
        out.append(_PUBLIC_ROLES.format(rel=rel, name=n, roles=roles, desc=roles_desc))
    else:
        roles = "ARRAY[" + ", ".join(_lit(r) for r in p.roles) + "]::name[]"
        args = f"{s}::name, {t}::name, {n}::name, {roles}, {roles_desc}"
        out.append(f"SELECT policy_roles_are({args});")
    return out
