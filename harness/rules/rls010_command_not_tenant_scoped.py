"""RLS010: the effective policy for a command does not restrict the tenant."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog, Policy, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Outcome, Severity
from . import _fix
from ._scope import COMMANDS, Scope, effective_expr, relation_ref, scope, sides


class CommandNotTenantScoped(Check):
    """A granted command's effective policy does not restrict rows to the current tenant.

    Why it matters:
    For each command PostgreSQL ORs the permissive policies that apply to the role and
    ANDs the restrictive ones. If any permissive policy admits rows without comparing the
    tenant column with the tenant context (it checks only that a user is logged in, a
    status, a role column, `true`, another column), the OR admits every tenant's rows;
    SELECT reads them, UPDATE and DELETE change them, INSERT and UPDATE WITH CHECK write
    rows into other tenants. Reported per command, for the API roles that hold it.

    Anti-pattern:
    CREATE POLICY docs_read ON docs FOR SELECT TO authenticated
      USING (auth.uid() IS NOT NULL);

    Best practice:
    CREATE POLICY docs_read ON docs FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.current_tenant_id()));
    -- or, over policies you cannot rewrite yet, a restrictive guard
    CREATE POLICY docs_tenant_guard ON docs AS RESTRICTIVE FOR ALL TO PUBLIC
      USING (tenant_id = (SELECT app.current_tenant_id()))
      WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

    References:
    pgrls SEC005/SEC027 (no tenant column), SEC008 (always true); rlsautotest L001/L002;
    https://www.postgresql.org/docs/current/sql-createpolicy.html
    """

    id = "RLS010"
    name = "command-not-tenant-scoped"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            if not table.rls_enabled or _all_restrict(s, table):
                continue
            for command in COMMANDS:
                found = _unrestricted(s, table, command)
                if not found:
                    continue
                roles = sorted({r for r, _, _ in found})
                policies = {p.name: (p, side) for _, side, p in found}
                analyses = [s.analyse(p, effective_expr(p, side)) for p, side in policies.values()]
                shown = "; ".join(
                    f"{p.name} {side} ({effective_expr(p, side)})" for p, side in policies.values()
                )
                yield self.finding(
                    relation_ref(table),
                    f"{command} on {table.qualified_name} is not restricted to the current tenant "
                    f"for {', '.join(roles)}: {shown}",
                    discriminator=command,
                    outcome=Outcome.FAILED
                    if all(a is not None and a.parsed for a in analyses)
                    else Outcome.INCONCLUSIVE,
                    evidence=Evidence(
                        observed="\n".join(_fix.policy_text(p) for p, _ in policies.values()),
                        expected=f"every permissive {command} policy compares "
                        f"{s.tenant_key(table)} with the tenant context",
                        details={"roles": roles, "command": command},
                    ),
                    remediation=_fix.fix(
                        "Rewrite the policies to compare the tenant column with the tenant "
                        "context; the SQL adds a restrictive tenant guard, which PostgreSQL ANDs "
                        "with every permissive policy.",
                        _fix.tenant_policy(s, table, restrictive=True),
                    ),
                )


def _all_restrict(s: Scope, table: Table) -> bool:
    """Every permissive policy restricts the tenant on every side it applies to: no
    command can be unrestricted, whoever holds it (the common case, checked first)."""
    for p in s.catalog.policies_for(table):
        for side in ("USING", "WITH CHECK"):
            a = s.analyse(p, effective_expr(p, side)) if p.permissive else None
            if a is not None and not a.restricts:
                return False
    return True


def _unrestricted(s: Scope, table: Table, command: str) -> list[tuple[str, str, Policy]]:
    """(role, side, policy) for each permissive policy that lets a role holding `command`
    through without a tenant restriction, unless a restrictive policy restricts it."""
    policies = s.catalog.policies_for(table)
    out = []
    for role in s.api_roles:
        if not s.grants(table.qualified_name, role, command):
            continue
        applying = [p for p in policies if p.applies_to(command) and s.applies(p, role)]
        for side in sides(command):
            guard = [
                a
                for p in applying
                if not p.permissive
                and (a := s.analyse(p, effective_expr(p, side))) is not None
                and a.restricts
            ]
            if guard:
                continue
            for p in applying:
                expr = effective_expr(p, side)
                a = s.analyse(p, expr) if p.permissive else None
                if a is not None and not a.restricts:
                    out.append((role, side, p))
    return out
