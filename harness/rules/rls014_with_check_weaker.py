"""RLS014: WITH CHECK that does not restrict the tenant while USING does."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import relation_ref, scope


class WithCheckWeaker(Check):
    """A policy's WITH CHECK does not restrict the tenant (weaker than its USING).

    Why it matters:
    USING decides which existing rows a command sees; WITH CHECK decides which new rows
    it may write. With a tenant-restricted USING and a WITH CHECK like `auth.uid() IS NOT
    NULL`, tenant A can UPDATE its own row and move it into tenant B, or INSERT rows that
    land in B. (A missing WITH CHECK is not this flaw: PostgreSQL then reuses USING for
    ALL and UPDATE policies and denies for INSERT policies.) Always-true and widened
    checks are reported by RLS012 and RLS011.

    Anti-pattern:
    CREATE POLICY t_update ON t FOR UPDATE TO authenticated
      USING (tenant_id = (SELECT app.tenant()))
      WITH CHECK (auth.uid() IS NOT NULL);

    Best practice:
    CREATE POLICY t_update ON t FOR UPDATE TO authenticated
      USING (tenant_id = (SELECT app.tenant()))
      WITH CHECK (tenant_id = (SELECT app.tenant()));

    References:
    pgrls SEC006/SEC040; rlsautotest L003; SupaShield; ANCHORS pitfall 9
    """

    id = "RLS014"
    name = "with-check-weaker"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            by_side = dict(analysed)
            check = by_side.get("WITH CHECK")
            if check is None or check.restricts or not check.parsed:
                continue
            if any(d.kind != "other" for d in check.disjuncts):
                continue  # constant-true, null-context or widened: RLS012/013/011
            using = by_side.get("USING")
            if not (policy.command == "INSERT" or (using is not None and using.restricts)):
                continue
            if _policies.guarded(s, table, policy):
                continue
            good = policy.using if using is not None and using.restricts else None
            new = good or _fix.tenant_predicate(s, table)
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} checks new rows with "
                f"({policy.with_check}), which does not restrict the tenant: rows can be "
                "written into other tenants",
                discriminator=policy.name,
                evidence=Evidence(
                    observed=_fix.policy_text(policy),
                    expected=f"WITH CHECK restricts {s.tenant_key(table)} like USING",
                ),
                remediation=_fix.fix(
                    "Make WITH CHECK restrict the tenant column like USING.",
                    _fix.alter_policy(policy, check=new),
                ),
            )
