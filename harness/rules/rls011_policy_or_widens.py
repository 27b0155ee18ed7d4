"""RLS011: a permissive policy ORs its tenant restriction with something else."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import relation_ref, scope


class PolicyOrWidens(Check):
    """A policy ORs the tenant restriction with a condition that does not restrict it.

    Why it matters:
    `tenant_id = ctx OR status = 'published'` admits every tenant's published rows;
    `OR role = 'admin'` (a column of the row) admits every tenant's admin rows. Any
    disjunct that does not itself restrict the tenant opens the policy to all tenants for
    the rows it matches. Not reported when a restrictive tenant policy covers the same
    commands and roles (PostgreSQL ANDs it in). Constant-true and missing-context
    disjuncts have their own rules (RLS012, RLS013).

    Anti-pattern:
    CREATE POLICY posts_read ON posts FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.tenant()) OR visibility = 'public');

    Best practice:
    CREATE POLICY posts_read ON posts FOR SELECT TO authenticated
      USING (tenant_id = (SELECT app.tenant()));
    -- shared rows belong in a table without tenant data, or in a separate, reviewed policy

    References:
    pgrls SEC011/SEC028; rlsautotest L001 (dynamic); ANCHORS pitfall 6 and 10
    """

    id = "RLS011"
    name = "policy-or-widens"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            widened = [
                (side, d.text)
                for side, a in analysed
                if any(d.kind == "restricts" for d in a.disjuncts)
                for d in a.disjuncts
                if d.kind == "other"
            ]
            if not widened or _policies.guarded(s, table, policy):
                continue
            extra = "; ".join(f"{side}: OR {text}" for side, text in widened)
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} ORs the tenant restriction with "
                f"a condition that admits other tenants' rows ({extra})",
                discriminator=policy.name,
                evidence=Evidence(
                    observed=_fix.policy_text(policy),
                    expected="every disjunct restricts the tenant column",
                ),
                remediation=_fix.fix(
                    "Drop the widening disjuncts (the SQL keeps only the tenant restriction).",
                    _policies.narrowed(s, table, policy) or "",
                ),
            )
