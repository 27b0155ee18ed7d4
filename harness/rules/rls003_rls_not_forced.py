"""RLS003: row level security enabled but not forced on a tenant table."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref, scope


class RlsNotForced(Check):
    """Row level security is enabled but not forced, so the table owner bypasses it.

    Why it matters:
    Without FORCE the owner of a table ignores its policies, and so does every SECURITY
    DEFINER function, view and job that runs as the owner. Severity follows who that is,
    high when an API role can become or inherits from the owner (it then reads every
    tenant); medium when the owner is an ordinary role; low when the owner already has
    BYPASSRLS or is a superuser, which FORCE does not override (the Supabase `postgres`
    role): forcing is still right, so that a later owner without BYPASSRLS is bound.

    Anti-pattern:
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;

    Best practice:
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invoices FORCE ROW LEVEL SECURITY;

    References:
    pgrls SEC002/SEC048; rlsautotest L015;
    https://www.postgresql.org/docs/current/sql-altertable.html
    """

    id = "RLS003"
    name = "rls-not-forced"
    severity = Severity.MEDIUM
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        roles = {r.name: r for r in ctx.roles}
        for table in s.tenant_scoped:
            if not table.rls_enabled or table.rls_forced:
                continue
            owner = roles.get(table.owner)
            becomes = [
                r
                for r in s.api_roles
                if (api := roles.get(r))
                and (api.can_set_role(table.owner) or api.inherits_from(table.owner))
            ]
            if becomes:
                severity, who = (
                    Severity.HIGH,
                    f"{', '.join(becomes)} can act as the owner {table.owner}",
                )
            elif owner is not None and (owner.superuser or owner.bypassrls):
                severity, who = (
                    Severity.LOW,
                    f"the owner {table.owner} bypasses RLS anyway (BYPASSRLS)",
                )
            else:
                severity, who = (
                    Severity.MEDIUM,
                    f"the owner {table.owner} and its definer code ignore the policies",
                )
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name} has row level security enabled but not forced: {who}",
                severity=severity,
                evidence=Evidence(
                    sql=_fix.rls_flags_sql(table),
                    observed="relrowsecurity = true, relforcerowsecurity = false, "
                    f"owner {table.owner}",
                    expected="relforcerowsecurity = true",
                ),
                remediation=_fix.fix(
                    "Force row level security so that the owner is bound by the policies too.",
                    sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(_fix.rel(table)),
                    safe=True,
                ),
            )
