"""RLS072: a policy calls context functions once per row instead of once per statement."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies, _rewrite
from ._scope import relation_ref, scope


class PolicyPerRowFunction(Check):
    """A policy calls a context or non-IMMUTABLE function outside a scalar sub-select.

    Why it matters:
    `tenant_id = get_current_tenant_id()` calls the function for every row a scan visits
    (a PL/pgSQL function with an EXCEPTION block even opens a subtransaction each time).
    Written `tenant_id = (SELECT get_current_tenant_id())`, the planner evaluates it once
    per statement as an InitPlan and can use it as an index key. Published measurements
    show 179 ms to 9 ms, and seconds to microseconds on 150,000 rows.

    Anti-pattern:
    CREATE POLICY t_read ON t USING (tenant_id = public.get_current_tenant_id());

    Best practice:
    CREATE POLICY t_read ON t USING (tenant_id = (SELECT public.get_current_tenant_id()));

    References:
    Supabase splinter 0003 auth_rls_initplan (text match, Supabase helpers only); pgrls
    PERF001; GaryAustin1/RLS-Performance; ANCHORS pitfall 22
    """

    id = "RLS072"
    name = "policy-per-row-function"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            calls = list(dict.fromkeys(c for _, a in analysed for c in a.per_row_calls))
            if not calls:
                continue
            key = s.tenant_key(table) or ctx.tenant_column
            new = {
                side: _rewrite.wrap_per_row(a.text, key, policy.table, s.knowledge)
                for side, a in analysed
            }
            statement = (
                _fix.alter_policy(policy, using=new.get("USING"), check=new.get("WITH CHECK"))
                if any(new.values())
                else None
            )
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} evaluates {', '.join(calls)} "
                "once per row",
                discriminator=policy.name,
                evidence=Evidence(observed=_fix.policy_text(policy)),
                remediation=_fix.fix(
                    "Wrap the context call in a scalar sub-select so it runs once per statement.",
                    statement,
                    safe=True,
                )
                if statement
                else _fix.advice(
                    "Compare the tenant column with (SELECT <context function>()) instead of "
                    "calling a function per row."
                ),
            )
