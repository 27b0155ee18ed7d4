"""RLS050: a SECURITY DEFINER function whose search_path the caller can influence."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, Function
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import Scope, api_executors, function_ref, scope


class DefinerSearchPathMutable(Check):
    """A SECURITY DEFINER function has no fixed, safe search_path.

    Why it matters:
    A definer function runs with its owner's rights (often a role that bypasses RLS). If
    its search_path is not pinned, the caller's applies: with SET search_path, or simply
    with a temporary table (pg_temp is searched first when the path does not name it), the
    caller makes `users` in the body mean a table it controls. A pinned path is safe when
    it names no schema the API roles can create objects in and lists pg_temp last, if at
    all. High when the API roles may execute the function, medium otherwise.

    Anti-pattern:
    CREATE FUNCTION get_user_tenant_id(u uuid) RETURNS uuid LANGUAGE plpgsql
      SECURITY DEFINER AS $$ BEGIN RETURN (SELECT tenant_id FROM users WHERE id = u); END $$;

    Best practice:
    CREATE FUNCTION get_user_tenant_id(u uuid) RETURNS uuid LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = '' AS
      $$ BEGIN RETURN (SELECT tenant_id FROM public.users WHERE id = u); END $$;

    References:
    Supabase splinter 0011 function_search_path_mutable; pgrls SEC015; rlsautotest L013;
    pgspot PS003-PS005; https://www.postgresql.org/docs/current/sql-createfunction.html
    """

    id = "RLS050"
    name = "definer-search-path-mutable"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        writable = _api_writable_schemas(s)
        for fn in ctx.functions:
            if not fn.security_definer:
                continue
            problem = _problem(fn, writable)
            if problem is None:
                continue
            callers = api_executors(s, fn)
            path = "''" if fn.schema in writable else f"pg_catalog, {fn.schema}, pg_temp"
            yield self.finding(
                function_ref(fn),
                f"SECURITY DEFINER function {fn.signature} {problem}"
                + (f"; {', '.join(callers)} may execute it" if callers else ""),
                severity=None if callers else Severity.MEDIUM,
                evidence=Evidence(
                    observed=f"prosecdef = true, proconfig = {list(fn.config) or 'none'}",
                    expected="SET search_path pinned to trusted schemas, pg_temp last",
                ),
                remediation=_fix.fix(
                    "Pin the search_path (best: '' with schema-qualified names in the body).",
                    sql.SQL("ALTER FUNCTION {} SET search_path = {}").format(
                        _fix.func(fn), sql.SQL(path)
                    ),
                ),
            )


def _api_writable_schemas(s: Scope) -> set[str]:
    return {
        g.object_name
        for g in s.catalog.grants
        if g.object_kind == "schema"
        and g.privilege == "CREATE"
        and any(g.grantee in s.holders(r) for r in s.api_roles)
    }


def _problem(fn: Function, writable: set[str]) -> str | None:
    raw = fn.search_path
    if raw is None:
        return "has no SET search_path: the caller's search_path resolves its names"
    names = [p.strip().strip('"') for p in raw.split(",") if p.strip().strip('"')]
    bad = [n for n in names if n in writable]
    if bad:
        return f"searches {', '.join(bad)}, where the API roles can create objects"
    if "pg_temp" in names and names[-1] != "pg_temp":
        return "searches pg_temp before other schemas"
    return None
