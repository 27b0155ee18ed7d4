"""RLS020: the tenant context is read in a way that raises when it is unset or empty."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _rewrite
from ._scope import function_ref, policy_functions, relation_ref, scope


class ContextReadRaises(Check):
    """The context is read with one-argument current_setting, or cast without NULLIF.

    Why it matters:
    `current_setting('app.current_tenant_id')` raises when the setting was never set, and
    once a session has set it, a later transaction sees '' (not NULL), which makes
    `''::uuid` raise. Every query on the table then fails with an error instead of
    returning nothing, and errors are where details leak and where application code is
    tempted to retry without the context. Read it with `missing_ok` and turn '' into NULL,
    so that no context simply matches no row. Functions that catch the error in an
    EXCEPTION block are not reported.

    Anti-pattern:
    CREATE POLICY t_read ON t USING (
      tenant_id = current_setting('app.current_tenant_id')::uuid);

    Best practice:
    CREATE POLICY t_read ON t USING (tenant_id = (SELECT
      NULLIF(current_setting('app.current_tenant_id', true), '')::uuid));

    References:
    pgrls SEC019/SEC024/SEC055; ANCHORS pitfall 34;
    https://www.postgresql.org/docs/current/functions-admin.html
    """

    id = "RLS020"
    name = "context-read-raises"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    applies_to = ("policy", "function")

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for policy in ctx.policies:
            table = ctx.find_table(policy.table_name)
            if table is None:
                continue
            bad = {}
            for side, expr in (("USING", policy.using), ("WITH CHECK", policy.with_check)):
                if expr is None:
                    continue
                a = s.analyse_any(policy, expr)
                if any(not r.missing_ok or r.unguarded_cast for r in a.context_reads):
                    bad[side] = _rewrite.guard_context_reads(expr)
            if not bad:
                continue
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {policy.table_name} reads the context with "
                "current_setting in a way that raises when it is unset or empty",
                discriminator=policy.name,
                evidence=Evidence(observed=_fix.policy_text(policy)),
                remediation=_fix.fix(
                    "Read the setting with missing_ok = true and NULLIF(..., '') before casting.",
                    _fix.alter_policy(policy, using=bad.get("USING"), check=bad.get("WITH CHECK")),
                ),
            )
        for name in sorted(policy_functions(s)):
            for fn in s.resolve_function(name, []):
                body = s.body(fn)
                if body.has_exception_handler:
                    continue
                raising = [
                    c
                    for c in body.calls_named("current_setting")
                    if (len(c.literal_args) < 2 or c.literal_args[1] != "true")
                    or (c.cast_after and "nullif" not in c.inside)
                ]
                if not raising:
                    continue
                shown = ", ".join(
                    f"current_setting({', '.join(map(str, c.literal_args))})" for c in raising
                )
                yield self.finding(
                    function_ref(fn),
                    f"{fn.signature}, used by policies, reads {shown} in a way that raises when "
                    "the setting is unset or empty",
                    evidence=Evidence(observed=fn.source.strip()),
                    remediation=_fix.advice(
                        "Use NULLIF(pg_catalog.current_setting(name, true), '') before any cast, "
                        "or validate the text before casting it."
                    ),
                )
