"""RLS006: a table shared by all tenants that the API roles can write."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref, scope

WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


class SharedTableWritable(Check):
    """A table without a tenant column and without RLS is writable by the API roles.

    Why it matters:
    Rows of a shared table (configuration, feature flags, lookup data) apply to every
    tenant. If an API role may write it, one tenant changes what every other tenant gets,
    and can use it as a drop box to pass data between tenants. Reading shared reference
    data is fine; writing it is a platform operation.

    Anti-pattern:
    CREATE TABLE public.system_config (key text PRIMARY KEY, value jsonb);
    GRANT ALL ON public.system_config TO authenticated;

    Best practice:
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.system_config FROM anon, authenticated;
    ALTER TABLE public.system_config ENABLE ROW LEVEL SECURITY;

    References:
    ANCHORS pitfall 1 (RLS never enabled) for tables without a tenant column; no peer
    separates shared tables from tenant tables.
    """

    id = "RLS006"
    name = "shared-table-writable"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in ctx.tables:
            if (
                table.kind not in ("table", "partitioned table")
                or table.rls_enabled
                or not s.exposed(table.schema)
                or s.tenant_key(table)
            ):
                continue
            grants = s.api_grants(table.qualified_name, WRITES)
            if not grants:
                continue
            privs = sorted({g.privilege for g in grants})
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name} is shared by all tenants, has no row level security, "
                f"and the API roles may {', '.join(privs)} it",
                evidence=Evidence(
                    sql=_fix.rls_flags_sql(table),
                    observed="relrowsecurity = false, no tenant column\n"
                    + _fix.grants_text(grants),
                ),
                remediation=_fix.fix(
                    "Revoke write privileges from the API roles; platform code writes through "
                    "service_role.",
                    *_fix.revoke(_fix.rel(table), grants),
                ),
            )
