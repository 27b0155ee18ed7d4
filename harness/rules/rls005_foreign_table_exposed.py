"""RLS005: a foreign table that the API roles can query."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref, scope


class ForeignTableExposed(Check):
    """A foreign table in an exposed schema is granted to the API roles.

    Why it matters:
    Foreign tables cannot have row level security (`ENABLE ROW LEVEL SECURITY` is refused
    on them): whatever the remote side returns, every caller sees all of it, for every
    tenant. Expose such data through a SECURITY INVOKER view or function over a local,
    RLS-protected copy, or keep the foreign table out of the API's schemas.

    Anti-pattern:
    CREATE FOREIGN TABLE public.remote_orders (tenant_id uuid, total numeric) SERVER erp;
    GRANT SELECT ON public.remote_orders TO authenticated;

    Best practice:
    CREATE SCHEMA private;
    CREATE FOREIGN TABLE private.remote_orders (...) SERVER erp;
    REVOKE ALL ON private.remote_orders FROM anon, authenticated;

    References:
    Supabase splinter 0017 foreign_table_in_api; pgrls SEC053
    """

    id = "RLS005"
    name = "foreign-table-exposed"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("foreign table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in ctx.tables:
            if table.kind != "foreign table" or not s.exposed(table.schema):
                continue
            grants = s.api_grants(table.qualified_name, ("SELECT", "INSERT", "UPDATE", "DELETE"))
            if not grants:
                continue
            yield self.finding(
                relation_ref(table),
                f"foreign table {table.qualified_name} cannot have row level security and is "
                f"granted to {', '.join(sorted({g.grantee for g in grants}))}",
                severity=Severity.CRITICAL if table.tenant_column else None,
                evidence=Evidence(observed=_fix.grants_text(grants)),
                remediation=_fix.fix(
                    "Revoke the API roles' privileges; serve the data from an RLS-protected table.",
                    *_fix.revoke(_fix.rel(table), grants),
                ),
            )
