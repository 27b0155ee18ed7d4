"""RLS034: a view over tenant data runs with its owner's rights."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, View
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import Scope, qualified_ref, scope


class ViewOwnerRights(Check):
    """A view over tenant tables lacks security_invoker and is granted to the API roles.

    Why it matters:
    A view reads its tables with the privileges, and the row level security, of its
    owner, not of the caller. When the owner bypasses RLS (a superuser, BYPASSRLS, or the
    table owner on a table without FORCE) the view shows every tenant's rows to anyone
    allowed to select from it (critical); otherwise the owner's policies apply instead of
    the caller's (medium). PostgreSQL 15 added `security_invoker`; schema diff tools have
    been known to drop it (supabase/cli #792).

    Anti-pattern:
    CREATE VIEW public.open_invoices AS SELECT * FROM invoices WHERE paid_at IS NULL;
    GRANT SELECT ON public.open_invoices TO authenticated;

    Best practice:
    CREATE VIEW public.open_invoices WITH (security_invoker = true) AS
      SELECT * FROM invoices WHERE paid_at IS NULL;

    References:
    Supabase splinter 0010 security_definer_view; pgrls VIEW001/SEC052; rlsautotest L011;
    ANCHORS pitfall 14
    """

    id = "RLS034"
    name = "view-owner-rights"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("view",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for view in ctx.views:
            if view.security_invoker or view.qualified_name not in s.tenant_data:
                continue
            grants = s.api_grants(view.qualified_name, ("SELECT", "INSERT", "UPDATE", "DELETE"))
            if not grants:
                continue
            owner = ctx.find_table(view.qualified_name)
            bypass = _bypassed(s, view, owner.owner if owner else "")
            yield self.finding(
                qualified_ref("view", view.qualified_name),
                f"view {view.qualified_name} reads tenant data with its owner's rights"
                + (
                    f" and its owner bypasses row level security on {', '.join(bypass)}"
                    if bypass
                    else ""
                )
                + f"; {', '.join(sorted({g.grantee for g in grants}))} may query it",
                severity=None if bypass else Severity.MEDIUM,
                evidence=Evidence(
                    observed=f"security_invoker = false; owner {owner.owner if owner else '?'}\n"
                    + _fix.grants_text(grants),
                    expected="security_invoker = true",
                ),
                remediation=_fix.fix(
                    "Make the view run with the caller's rights and row level security.",
                    sql.SQL("ALTER VIEW {} SET (security_invoker = true)").format(
                        _fix.rel(view.qualified_name)
                    ),
                ),
            )


def _bypassed(s: Scope, view: View, owner: str) -> list[str]:
    """Tenant tables under the view whose RLS does not bind the view's owner."""
    role = next((r for r in s.catalog.roles if r.name == owner), None)
    if role is not None and (role.superuser or role.bypassrls):
        return ["all its tables (owner has BYPASSRLS)"]
    out, todo, seen = [], list(view.reads), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        inner = s.catalog.view(name) or s.catalog.materialized_view(name)
        if inner is not None:
            todo.extend(inner.reads)
            continue
        table = s.catalog.find_table(name)
        if table is None or name not in s.tenant_data:
            continue
        if not table.rls_enabled or (table.owner == owner and not table.rls_forced):
            out.append(name)
    return sorted(out)
