"""RLS019: a policy decides from a table that the API roles can write freely."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import qualified_ref, scope


class PolicyTrustsWritableTable(Check):
    """A policy sub-selects a table that has no RLS and that the API roles may write.

    Why it matters:
    A membership lookup such as `tenant_id IN (SELECT tenant_id FROM memberships WHERE
    user_id = auth.uid())` is only as strong as the table it reads. If that table has no
    row level security and the API roles may INSERT or UPDATE it, any user adds a
    membership row for another tenant and the policy admits them.

    Anti-pattern:
    CREATE TABLE memberships (user_id uuid, tenant_id uuid);  -- no RLS
    GRANT INSERT ON memberships TO authenticated;
    CREATE POLICY docs_read ON docs USING (tenant_id IN (
      SELECT tenant_id FROM memberships WHERE user_id = auth.uid()));

    Best practice:
    REVOKE INSERT, UPDATE, DELETE ON memberships FROM anon, authenticated;
    ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;  -- with policies of its own

    References:
    pgrls SEC025/SEC036; ANCHORS pitfall 37
    """

    id = "RLS019"
    name = "policy-trusts-writable-table"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for p in ctx.policies:
            read: set[str] = set()
            for expr in (p.using, p.with_check):
                if expr is not None:
                    read.update(s.analyse_any(p, expr).tables)
            for name in sorted(read):
                target = s.resolve_relation(name, ["public"])
                if target is None or target.rls_enabled or target.qualified_name == p.table_name:
                    continue
                grants = s.api_grants(target.qualified_name, ("INSERT", "UPDATE", "DELETE"))
                if not grants:
                    continue
                yield self.finding(
                    qualified_ref("table", p.table_name),
                    f"policy {p.name} on {p.table_name} decides from {target.qualified_name}, "
                    "which has no row level security and which the API roles may write",
                    discriminator=f"{p.name}:{target.qualified_name}",
                    evidence=Evidence(
                        observed=_fix.policy_text(p) + "\n" + _fix.grants_text(grants)
                    ),
                    remediation=_fix.advice(
                        f"Protect {target.qualified_name}: revoke the API roles' writes or give it "
                        "row level security with tenant policies of its own."
                    ),
                )
