"""RLS004: a signed-in API role holds a privilege that no policy lets it use."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import COMMANDS, relation_ref, scope


class RlsNoPolicy(Check):
    """Row level security is on but no permissive policy covers a granted command.

    Why it matters:
    With RLS on and no permissive policy for a command, PostgreSQL denies silently: SELECT
    returns nothing and UPDATE or DELETE affect zero rows, without an error. Either the
    policy was forgotten (the feature is broken) or the privilege was (it should be
    revoked so the intent is visible). Only signed-in API roles are checked: for `anon`
    a denial is the intent, and its privileges are reported by RLS040.

    Anti-pattern:
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    GRANT SELECT, INSERT ON notes TO authenticated;
    CREATE POLICY notes_select ON notes FOR SELECT TO authenticated USING (...);
    -- INSERT is granted but no policy allows it

    Best practice:
    CREATE POLICY notes_insert ON notes FOR INSERT TO authenticated
      WITH CHECK (tenant_id = (SELECT app.tenant()));
    -- or: REVOKE INSERT ON notes FROM authenticated;

    References:
    Supabase splinter 0008 rls_enabled_no_policy; pgrls SEC009/SEC012; rlsautotest L004
    """

    id = "RLS004"
    name = "rls-no-policy"
    severity = Severity.LOW
    category = Category.HYGIENE
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in ctx.tables:
            if not table.rls_enabled or not table.is_table:
                continue
            name = table.qualified_name
            policies = ctx.policies_for(table)
            denied = []
            for role in s.signed_in:
                for command in COMMANDS:
                    grants = s.grants(name, role, command)
                    if grants and not any(
                        p.permissive and p.applies_to(command) and s.applies(p, role)
                        for p in policies
                    ):
                        denied.append((role, command, grants))
            if not denied:
                continue
            what = ", ".join(f"{c} for {r}" for r, c, _ in denied)
            grants = [g for _, _, gs in denied for g in gs]
            yield self.finding(
                relation_ref(table),
                f"{name} has row level security on but no permissive policy for {what}: "
                "those statements silently see or change no row",
                evidence=Evidence(
                    observed=_fix.grants_text(grants)
                    + "\n"
                    + ("\n".join(_fix.policy_text(p) for p in policies) or "no policy"),
                ),
                remediation=_fix.fix(
                    "Write the missing policy if the command is meant to work; otherwise revoke "
                    "the privilege (the SQL below) so the denial is explicit.",
                    *_fix.revoke(_fix.rel(table), grants),
                ),
            )
