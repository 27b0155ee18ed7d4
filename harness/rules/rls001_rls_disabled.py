"""RLS001: a relation holding tenant rows, reachable by the API roles, has RLS disabled."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Remediation, Severity
from . import _fix
from ._scope import COMMANDS, Scope, relation_ref, scope


class RlsDisabled(Check):
    """Row level security is disabled on a tenant table the API roles can reach.

    Why it matters:
    Without row level security every row is visible and writable to whoever holds a
    privilege on the table: one tenant reads, changes and deletes every other tenant's
    rows. This covers tables with the tenant column, the tenants table itself, and
    partitions and inheritance children that are granted directly (querying a child
    applies the child's RLS, not the parent's).

    Anti-pattern:
    CREATE TABLE invoices (id uuid, tenant_id uuid NOT NULL, total numeric);
    GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO authenticated;

    Best practice:
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
    CREATE POLICY invoices_tenant_isolation ON invoices FOR ALL TO authenticated
      USING (tenant_id = (SELECT app.current_tenant_id()))
      WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

    References:
    Supabase splinter 0013 rls_disabled_in_public; pgrls SEC001/SEC049;
    https://www.postgresql.org/docs/current/ddl-rowsecurity.html
    """

    id = "RLS001"
    name = "rls-disabled"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            if table.rls_enabled or table.kind == "foreign table":
                continue
            grants = s.api_grants(table.qualified_name, COMMANDS)
            if not grants:
                continue
            roles = sorted({r for r in s.api_roles if s.privileges(table.qualified_name, r)})
            privs = sorted({g.privilege for g in grants})
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name} holds tenant rows ({s.tenant_key(table)}) and has row "
                f"level security disabled, yet {', '.join(roles)} may {', '.join(privs)} it",
                evidence=Evidence(
                    sql=_fix.rls_flags_sql(table),
                    observed=f"relrowsecurity = false\n{_fix.grants_text(grants)}",
                    expected="relrowsecurity = true, relforcerowsecurity = true",
                ),
                remediation=_remedy(s, table),
            )


def _remedy(s: Scope, table: Table) -> Remediation:
    parts = [
        _fix.sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(_fix.rel(table)),
        _fix.sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(_fix.rel(table)),
    ]
    if not s.catalog.policies_for(table) and s.signed_in:
        parts.append(_fix.tenant_policy(s, table))
    return _fix.fix(
        "Enable and force row level security, with a policy that restricts every command "
        "to the current tenant.",
        *parts,
    )
