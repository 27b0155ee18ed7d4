"""RLS036: a materialized view of tenant data is readable by the API roles."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import qualified_ref, scope


class MatviewExposed(Check):
    """A materialized view over tenant tables is granted to the API roles.

    Why it matters:
    A materialized view is a stored copy of its query, taken with its owner's rights, and
    it cannot have row level security. Every reader sees every tenant's rows of it: names,
    counts, activity. Serve a tenant its own row through a SECURITY DEFINER function that
    filters by the tenant context, or keep the view out of the API.

    Anti-pattern:
    CREATE MATERIALIZED VIEW tenant_statistics AS SELECT tenant_id, count(*) FROM users GROUP BY 1;
    -- default privileges grant SELECT to anon and authenticated

    Best practice:
    REVOKE ALL ON tenant_statistics FROM PUBLIC, anon, authenticated;
    CREATE FUNCTION get_tenant_statistics() RETURNS SETOF tenant_statistics
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS
      $$ SELECT * FROM public.tenant_statistics WHERE tenant_id = public.current_tenant() $$;

    References:
    Supabase splinter 0016 materialized_view_in_api; pgrls VIEW003/SEC054; rlsautotest;
    ANCHORS pitfall 16
    """

    id = "RLS036"
    name = "matview-exposed"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("materialized view",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for mv in ctx.materialized_views:
            if mv.qualified_name not in s.tenant_data:
                continue
            if not s.api_grants(mv.qualified_name, ("SELECT",)):
                continue
            grants = s.api_grants(
                mv.qualified_name, {g.privilege for g in ctx.grants_on(mv.qualified_name)}
            )
            tenant_reads = sorted(r for r in mv.reads if r in s.tenant_data)
            yield self.finding(
                qualified_ref("materialized view", mv.qualified_name),
                f"materialized view {mv.qualified_name} copies tenant data from "
                f"{', '.join(tenant_reads)} without row level security, and "
                f"{', '.join(sorted({g.grantee for g in grants if g.privilege == 'SELECT'}))} "
                "may select from it",
                evidence=Evidence(observed=_fix.grants_text(grants), expected="no API role access"),
                remediation=_fix.fix(
                    "Revoke the API roles' privileges; expose a tenant-filtered function instead.",
                    *_fix.revoke(_fix.rel(mv.qualified_name), grants),
                ),
            )
