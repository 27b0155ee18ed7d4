"""RLS002: policies written on a table whose row level security is off."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref


class PoliciesWithoutRls(Check):
    """Policies exist but row level security is disabled, so none of them applies.

    Why it matters:
    Policies are dormant until `ENABLE ROW LEVEL SECURITY`: the schema reads as protected
    while every row is open to anyone holding a privilege. This is the classic migration
    that created the policies and forgot the switch.

    Anti-pattern:
    CREATE POLICY orders_tenant ON orders USING (tenant_id = (SELECT app.tenant()));
    -- no ALTER TABLE orders ENABLE ROW LEVEL SECURITY

    Best practice:
    ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
    ALTER TABLE orders FORCE ROW LEVEL SECURITY;

    References:
    Supabase splinter 0007 policy_exists_rls_disabled; pgrls SEC032
    """

    id = "RLS002"
    name = "policies-without-rls"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        for table in ctx.tables:
            policies = ctx.policies_for(table)
            if table.rls_enabled or not policies or not table.is_table:
                continue
            names = ", ".join(p.name for p in policies)
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name} has {len(policies)} polic"
                f"{'y' if len(policies) == 1 else 'ies'} ({names}) but row level security is "
                "disabled, so none of them is enforced",
                evidence=Evidence(
                    sql=_fix.rls_flags_sql(table),
                    observed="relrowsecurity = false\n"
                    + "\n".join(_fix.policy_text(p) for p in policies),
                    expected="relrowsecurity = true",
                ),
                remediation=_fix.fix(
                    "Enable (and force) row level security so the policies apply.",
                    sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(_fix.rel(table)),
                    sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(_fix.rel(table)),
                ),
            )
