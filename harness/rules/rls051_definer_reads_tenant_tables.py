"""RLS051: API-callable SECURITY DEFINER functions that touch tenant data."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Outcome, Severity
from . import _fix
from ._scope import (
    api_executors,
    function_ref,
    owner_bypasses,
    reads_tenant_context,
    scope,
    touched_relations,
)


class DefinerReadsTenantTables(Check):
    """An API role may execute a SECURITY DEFINER function that reads or writes tenant data.

    Why it matters:
    A definer function runs as its owner; when the owner bypasses row level security (a
    superuser, BYPASSRLS, or the owner of a table without FORCE), the function sees every
    tenant. It must then filter by the tenant context itself, or a caller passes another
    tenant's ids and gets their data (a confused deputy). Critical when the body never
    reads the tenant context. Low when it does: the function is scoped by its own code,
    and the dynamic probes call it with other tenants' ids to confirm (the finding names
    the tables for them). The bundled schema's `get_user_tenant_id` and
    `get_tenant_statistics` are such scoped functions and are reported as low.

    Anti-pattern:
    CREATE FUNCTION get_user_tenant_id(u uuid) RETURNS uuid LANGUAGE sql SECURITY DEFINER
      SET search_path = '' AS $$ SELECT tenant_id FROM public.users WHERE id = u $$;

    Best practice:
    CREATE FUNCTION get_user_tenant_id(u uuid) RETURNS uuid LANGUAGE sql SECURITY DEFINER
      SET search_path = '' AS $$ SELECT tenant_id FROM public.users
      WHERE id = u AND tenant_id = public.current_tenant() $$;
    -- or SECURITY INVOKER, so the caller's row level security applies

    References:
    Supabase splinter 0028/0029 (security definer functions callable by anon and
    authenticated); pgrls SEC014/SEC042; rlsautotest L012; ANCHORS pitfall 18
    """

    id = "RLS051"
    name = "definer-reads-tenant-tables"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for fn in ctx.functions:
            callers = api_executors(s, fn) if fn.security_definer else []
            if not callers:
                continue
            body = s.body(fn)
            touched = [
                (t, w) for t, w in touched_relations(s, fn) if t.qualified_name in s.tenant_data
            ]
            if not touched and not body.dynamic_sql:
                continue
            names = [t.qualified_name for t, _ in touched]
            scoped = reads_tenant_context(s, fn)
            bypass = [t.qualified_name for t, _ in touched if owner_bypasses(s, fn.owner, t)]
            if not touched:
                severity, what = Severity.MEDIUM, "runs dynamic SQL as its owner"
            elif scoped:
                severity, what = (
                    Severity.LOW,
                    f"touches {', '.join(names)} and filters by the tenant context",
                )
            elif bypass:
                severity, what = (
                    None,
                    f"touches {', '.join(names)} as {fn.owner}, who bypasses RLS there, "
                    "and never reads the tenant context",
                )
            else:
                severity, what = (
                    Severity.MEDIUM,
                    f"touches {', '.join(names)} with {fn.owner}'s policies",
                )
            yield self.finding(
                function_ref(fn),
                f"{', '.join(callers)} may execute SECURITY DEFINER {fn.signature}, which {what}",
                severity=severity,
                outcome=Outcome.INCONCLUSIVE if not body.parsed else Outcome.FAILED,
                evidence=Evidence(
                    observed=f"prosecdef = true, owner {fn.owner}, "
                    f"EXECUTE: {', '.join(fn.executable_by)}\n"
                    f"touches: {', '.join(names) or 'unknown (dynamic SQL)'}",
                    details={
                        "tables": names,
                        "writes": [t.qualified_name for t, w in touched if w],
                        "dynamic_sql": body.dynamic_sql,
                    },
                ),
                remediation=_fix.fix(
                    "Run it with the caller's rights (its row level security then applies), or "
                    "filter every query in it by the tenant context.",
                    sql.SQL("ALTER FUNCTION {} SECURITY INVOKER").format(_fix.func(fn)),
                )
                if severity is None
                else _fix.advice(
                    "Check that every query in it is filtered by the tenant context; the dynamic "
                    "probes call it with other tenants' ids."
                ),
            )
