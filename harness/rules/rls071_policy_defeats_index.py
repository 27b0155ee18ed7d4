"""RLS071: a policy predicate that an index on the tenant column cannot serve."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies
from ._scope import relation_ref, scope


class PolicyDefeatsIndex(Check):
    """A policy compares a cast or wrapped tenant column, or a VOLATILE function.

    Why it matters:
    `tenant_id::text = current_setting(...)` or `lower(tenant_id) = ...` cannot use an
    index on tenant_id, and a VOLATILE function on the other side is evaluated for every
    row: each query scans every tenant's rows. Cast the context to the column's type
    instead, and keep context functions STABLE.

    Anti-pattern:
    CREATE POLICY t_read ON t USING (tenant_id::text = current_setting('app.tenant', true));

    Best practice:
    CREATE POLICY t_read ON t USING (
      tenant_id = (SELECT NULLIF(current_setting('app.tenant', true), '')::uuid));

    References:
    pgrls PERF004; ANCHORS pitfalls 21 and 24
    """

    id = "RLS071"
    name = "policy-defeats-index"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            problems = list(dict.fromkeys(p for _, a in analysed for p in a.index_defeating))
            if not problems:
                continue
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} cannot use an index on "
                f"{s.tenant_key(table)}: {'; '.join(problems)}",
                discriminator=policy.name,
                evidence=Evidence(observed=_fix.policy_text(policy)),
                remediation=_fix.advice(
                    "Compare the bare tenant column with the context cast to the column's type, "
                    "from a STABLE function wrapped in (SELECT ...)."
                ),
            )
