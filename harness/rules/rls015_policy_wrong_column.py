"""RLS015: a policy compares another column than the tenant column with the tenant."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _policies, _rewrite
from ._scope import relation_ref, scope


class PolicyWrongColumn(Check):
    """A policy compares a column other than the tenant column with the tenant context.

    Why it matters:
    `id = current_tenant()` or `branch_id = current_tenant()` on a table whose tenant is
    in `tenant_id` matches the wrong rows: usually none, but any row whose id happens to
    equal a tenant's id (ids copied between tables, sequential keys) is exposed to that
    tenant, and the table's own tenant is never checked. On the tenants table itself the
    key column is the tenant, and is not reported.

    Anti-pattern:
    CREATE POLICY branches_read ON branches FOR SELECT
      USING (id = (SELECT app.current_tenant_id()));

    Best practice:
    CREATE POLICY branches_read ON branches FOR SELECT
      USING (tenant_id = (SELECT app.current_tenant_id()));

    References:
    pgrls SEC005/SEC027 (policy without the tenant column); ANCHORS pitfall 8
    """

    id = "RLS015"
    name = "policy-wrong-column"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table, policy, analysed in _policies.permissive_policies(s):
            wrong = [(side, a) for side, a in analysed if a.wrong_columns and not a.restricts]
            if not wrong or _policies.guarded(s, table, policy):
                continue
            key = s.tenant_key(table) or ctx.tenant_column
            columns = tuple(dict.fromkeys(c for _, a in wrong for c in a.wrong_columns))
            new = {
                side: _rewrite.replace_columns(a.text, a.wrong_columns, key) for side, a in wrong
            }
            yield self.finding(
                relation_ref(table),
                f"policy {policy.name} on {table.qualified_name} compares {', '.join(columns)} "
                f"with the tenant context instead of {key}",
                discriminator=policy.name,
                evidence=Evidence(observed=_fix.policy_text(policy), expected=f"{key} = <tenant>"),
                remediation=_fix.fix(
                    f"Compare {key} with the tenant context.",
                    _fix.alter_policy(policy, using=new.get("USING"), check=new.get("WITH CHECK")),
                ),
            )
