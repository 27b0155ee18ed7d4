"""RLS017: a policy trusts claims the user can write (user_metadata)."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import qualified_ref, scope


class PolicyUserWritableClaims(Check):
    """A policy reads `user_metadata` (or `raw_user_meta_data`), which the user controls.

    Why it matters:
    Supabase lets a signed-in user update their own `user_metadata` (`supabase.auth.
    updateUser({data: ...})`), and it is copied into the JWT. A policy that takes the
    tenant or a role from it lets any user claim any tenant. Tenant membership must come
    from server-controlled data: `app_metadata`, or a membership table.

    Anti-pattern:
    CREATE POLICY t_read ON t FOR SELECT TO authenticated USING (
      tenant_id = ((auth.jwt() -> 'user_metadata') ->> 'tenant_id')::uuid);

    Best practice:
    CREATE POLICY t_read ON t FOR SELECT TO authenticated USING (
      tenant_id = (SELECT ((auth.jwt() -> 'app_metadata') ->> 'tenant_id')::uuid));

    References:
    Supabase splinter 0015 rls_references_user_metadata; pgrls SEC033; ANCHORS pitfall 12
    """

    id = "RLS017"
    name = "policy-user-writable-claims"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for policy in ctx.policies:
            claims = [
                c
                for expr in (policy.using, policy.with_check)
                if expr is not None
                for c in s.analyse_any(policy, expr).user_claims
            ]
            if not claims:
                continue
            yield self.finding(
                qualified_ref("table", policy.table_name),
                f"policy {policy.name} on {policy.table_name} reads "
                f"{', '.join(sorted(set(claims)))}, which every user can change for themselves",
                discriminator=policy.name,
                evidence=Evidence(observed=_fix.policy_text(policy)),
                remediation=_fix.advice(
                    "Read the tenant (or role) from app_metadata or a membership table that "
                    "only the server writes, never from user_metadata."
                ),
            )
