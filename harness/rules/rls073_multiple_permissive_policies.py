"""RLS073: several permissive policies for one command and role."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import COMMANDS, relation_ref, scope


class MultiplePermissivePolicies(Check):
    """More than one permissive policy applies to a command for the same API role.

    Why it matters:
    PostgreSQL evaluates every applicable permissive policy and ORs the results, so each
    extra policy costs on every row, and each is one more way in: the widest one decides
    what a tenant sees. Merge them into one policy per command, or make the tenant check a
    restrictive policy and keep the permissive ones for the finer rules.

    Anti-pattern:
    CREATE POLICY t_tenant ON t FOR SELECT TO authenticated USING (tenant_id = ...);
    CREATE POLICY t_owner ON t FOR SELECT TO authenticated USING (owner_id = auth.uid());

    Best practice:
    CREATE POLICY t_read ON t FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.tenant()) AND owner_id = (SELECT auth.uid()));

    References:
    Supabase splinter 0006 multiple_permissive_policies; ANCHORS pitfall 10
    """

    id = "RLS073"
    name = "multiple-permissive-policies"
    severity = Severity.LOW
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            policies = [p for p in ctx.policies_for(table) if p.permissive]
            if len(policies) < 2:
                continue
            for command in COMMANDS:
                for role in s.api_roles:
                    hits = [p for p in policies if p.applies_to(command) and s.applies(p, role)]
                    if len(hits) < 2:
                        continue
                    yield self.finding(
                        relation_ref(table),
                        f"{len(hits)} permissive policies apply to {command} for {role} on "
                        f"{table.qualified_name}: {', '.join(p.name for p in hits)}",
                        discriminator=f"{command}:{role}",
                        evidence=Evidence(observed="\n".join(_fix.policy_text(p) for p in hits)),
                        remediation=_fix.advice(
                            "Merge them into one permissive policy per command, or move the "
                            "tenant check into a restrictive policy."
                        ),
                    )
