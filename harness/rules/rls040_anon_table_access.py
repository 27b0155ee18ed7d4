"""RLS040: the anonymous API role holds privileges on tenant data or writes shared tables."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, Grant, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Remediation, Severity
from . import _fix
from ._scope import Scope, relation_ref, scope

WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "TRUNCATE"})


class AnonTableAccess(Check):
    """`anon` (directly or through PUBLIC) holds privileges on tenant data.

    Why it matters:
    `anon` is every caller who is not signed in. It should hold nothing on tenant tables,
    views or materialized views, and no write on any table: its policies, if any, are the
    only thing between the internet and the data, and a single policy written without a TO
    clause (RLS016) or a table without RLS hands everything over. High when anon can reach
    rows today (no RLS on the relation, a materialized view or owner-rights view, or a
    policy that applies to it), medium when only the privilege is there.

    Anti-pattern:
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon;

    Best practice:
    REVOKE ALL ON public.users FROM anon;

    References:
    Supabase splinter 0013 (anon access to RLS-less tables); SupaShield (anon probes);
    CVE-2025-48757 (anonymous reads of Lovable apps)
    """

    id = "RLS040"
    name = "anon-table-access"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("table", "view", "materialized view")

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        if s.anon is None:
            return
        for table in ctx.tables:
            if not s.exposed(table.schema) and table.qualified_name not in s.tenant_data:
                continue
            grants = s.grants(table.qualified_name, s.anon)
            if table.qualified_name not in s.tenant_data:
                grants = [g for g in grants if g.privilege in WRITES and table.is_table]
            if not grants:
                continue
            privs = sorted({g.privilege for g in grants})
            reachable = _reachable(s, table)
            yield self.finding(
                relation_ref(table),
                f"anon (not signed in) holds {', '.join(privs)} on {table.qualified_name}"
                + (" and can reach its rows" if reachable else ""),
                severity=None if reachable else Severity.MEDIUM,
                evidence=Evidence(observed=_fix.grants_text(grants)),
                remediation=_remedy(s, table, grants),
            )


def _reachable(s: Scope, table: Table) -> bool:
    if table.kind in ("materialized view", "foreign table"):
        return True
    if table.kind == "view":
        view = s.catalog.view(table.qualified_name)
        return view is not None and not view.security_invoker
    if not table.rls_enabled:
        return True
    assert s.anon is not None
    return any(p.permissive and s.applies(p, s.anon) for p in s.catalog.policies_for(table))


def _remedy(s: Scope, table: Table, grants: list[Grant]) -> Remediation:
    parts: list[_fix.Part] = [*_fix.revoke(_fix.rel(table), grants)]
    public = sorted({g.privilege for g in grants if g.grantee == "PUBLIC" and g.column is None})
    if public and s.signed_in:
        parts.append(
            sql.SQL("GRANT {} ON {} TO {}").format(
                _fix.words(public), _fix.rel(table), _fix.roles(s.signed_in)
            )
        )
    return _fix.fix(
        "Revoke anon's privileges (privileges PUBLIC held are re-granted to the signed-in roles).",
        *parts,
    )
