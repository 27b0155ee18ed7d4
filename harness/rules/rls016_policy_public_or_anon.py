"""RLS016: a permissive policy on tenant data applies to PUBLIC or to anon."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import ANON, COMMANDS, relation_ref, scope


class PolicyPublicOrAnon(Check):
    """A permissive policy on tenant data is `TO PUBLIC` (the default) or `TO anon`.

    Why it matters:
    A policy without a TO clause applies to PUBLIC, hence to the anonymous API role too,
    so a request without a signed-in user gets whatever the predicate admits, and a context
    set for anonymous traffic (or left on a pooled connection) becomes a tenant's data.
    Tenant data is for signed-in roles. High when anon also holds a privilege the policy
    lets it use, medium otherwise.

    Anti-pattern:
    CREATE POLICY t_read ON t FOR SELECT USING (tenant_id = (SELECT app.tenant()));

    Best practice:
    CREATE POLICY t_read ON t FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.tenant()));

    References:
    pgrls SEC003; SupaShield; GaryAustin1/RLS-Performance ("TO authenticated");
    ANCHORS pitfall 11
    """

    id = "RLS016"
    name = "policy-public-or-anon"
    severity = Severity.MEDIUM
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        if not s.signed_in:
            return
        for table, policy, _ in _policies.permissive_policies(s):
            named = [r for r in policy.roles if r in ("public", ANON)]
            if not named:
                continue
            commands = COMMANDS if policy.command == "ALL" else (policy.command,)
            anon_uses = s.anon is not None and any(
                s.grants(table.qualified_name, s.anon, c) for c in commands
            )
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} applies to "
                f"{', '.join(named)}: requests without a signed-in user are subject to it",
                discriminator=policy.name,
                severity=Severity.HIGH if anon_uses else None,
                evidence=Evidence(observed=_fix.policy_text(policy)),
                remediation=_fix.fix(
                    "Name the signed-in API roles in the policy's TO clause.",
                    sql.SQL("ALTER POLICY {} ON {} TO {}").format(
                        sql.Identifier(policy.name), _fix.rel(table), _fix.roles(s.signed_in)
                    ),
                ),
            )
