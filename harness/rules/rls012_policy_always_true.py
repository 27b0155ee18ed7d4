"""RLS012: a permissive policy that is always true, or has an always-true branch."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import relation_ref, scope


class PolicyAlwaysTrue(Check):
    """A policy expression is always true: `true`, `1 = 1`, or `... OR true`.

    Why it matters:
    An always-true USING lets every role the policy names read, update or delete every
    tenant's rows; an always-true WITH CHECK lets it write rows into any tenant. Because
    permissive policies are ORed, one such policy opens the whole table for its commands,
    whatever the other policies say.

    Anti-pattern:
    CREATE POLICY items_insert ON items FOR INSERT TO authenticated WITH CHECK (true);

    Best practice:
    CREATE POLICY items_insert ON items FOR INSERT TO authenticated
      WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

    References:
    Supabase splinter 0024 permissive_rls_policy; pgrls SEC008/SEC020/SEC031;
    SupaShield; ANCHORS pitfall 6
    """

    id = "RLS012"
    name = "policy-always-true"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            sides = [
                side
                for side, a in analysed
                if a.always_true or any(d.kind == "constant-true" for d in a.disjuncts)
            ]
            if not sides or _policies.guarded(s, table, policy):
                continue
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} is always true on "
                f"{' and '.join(sides)}: it admits every tenant's rows",
                discriminator=policy.name,
                evidence=Evidence(
                    observed=_fix.policy_text(policy),
                    expected=f"{s.tenant_key(table)} compared with the tenant context",
                ),
                remediation=_fix.fix(
                    "Replace the constant with the tenant restriction.",
                    _policies.narrowed(s, table, policy) or "",
                ),
            )
