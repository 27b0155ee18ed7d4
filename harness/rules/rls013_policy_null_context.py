"""RLS013: a policy admits rows when the context is missing (`ctx IS NULL OR ...`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import relation_ref, scope


class PolicyNullContext(Check):
    """A policy has a branch that is true when the session context is missing.

    Why it matters:
    `auth.uid() IS NULL OR ...` or `current_setting('app.tenant', true) = '' OR ...` is
    meant as a convenience for scripts and admins, but a request that sets no context
    (an anonymous caller, a background job, a pooled connection whose context was reset)
    then sees every tenant's rows. This is the disjunct behind the Lovable exposure
    (CVE-2025-48757). A missing context must deny, never allow.

    Anti-pattern:
    CREATE POLICY t_read ON t FOR SELECT
      USING (auth.uid() IS NULL OR tenant_id = (SELECT app.tenant()));

    Best practice:
    CREATE POLICY t_read ON t FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.tenant()));
    -- trusted jobs use a role with BYPASSRLS instead of an empty context

    References:
    pgrls SEC004/SEC038; splinter PR #169 (pending); ANCHORS pitfall 7
    """

    id = "RLS013"
    name = "policy-null-context"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            found = [
                (side, d.text)
                for side, a in analysed
                for d in a.disjuncts
                if d.kind == "null-context" and not a.restricts
            ]
            if not found or _policies.guarded(s, table, policy):
                continue
            shown = "; ".join(f"{side}: {text}" for side, text in found)
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} admits every tenant's rows "
                f"when the context is missing ({shown})",
                discriminator=policy.name,
                evidence=Evidence(
                    observed=_fix.policy_text(policy),
                    expected="a missing context matches no row",
                ),
                remediation=_fix.fix(
                    "Remove the missing-context branch; give trusted jobs a BYPASSRLS role.",
                    _policies.narrowed(s, table, policy) or "",
                ),
            )
