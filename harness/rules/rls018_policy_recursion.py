"""RLS018: policies that read their own table, directly or through other policies."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from ._scope import Scope, qualified_ref, scope, search_path


class PolicyRecursion(Check):
    """A policy sub-selects its own table, or tables whose policies read it back.

    Why it matters:
    Reading a table inside its own policy applies that policy again, and PostgreSQL stops
    with "infinite recursion detected in policy": every query on the table fails, for
    every tenant. The classic case is a membership table whose policy looks itself up.
    SECURITY INVOKER functions called by the policy count as reading what they read;
    SECURITY DEFINER helpers break the cycle when their owner bypasses RLS.

    Anti-pattern:
    CREATE POLICY members_read ON members FOR SELECT USING (
      tenant_id IN (SELECT tenant_id FROM members WHERE user_id = auth.uid()));

    Best practice:
    CREATE FUNCTION app.my_tenants() RETURNS SETOF uuid LANGUAGE sql STABLE
      SECURITY DEFINER SET search_path = '' AS
      $$ SELECT tenant_id FROM public.members WHERE user_id = auth.uid() $$;
    CREATE POLICY members_read ON members FOR SELECT
      USING (tenant_id IN (SELECT app.my_tenants()));

    References:
    rlsautotest L006; supabase/cli #5992; ANCHORS pitfall 25
    """

    id = "RLS018"
    name = "policy-recursion"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    applies_to = ("policy",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        edges = _edges(s)
        for table in sorted(edges):
            path = _cycle(table, edges)
            if path is None:
                continue
            yield self.finding(
                qualified_ref("table", table),
                f"the policies of {table} read it again ({' -> '.join(path)}): queries on it "
                "fail with infinite recursion",
                evidence=Evidence(observed=" -> ".join(path)),
                remediation=(
                    "Read the lookup table through a SECURITY DEFINER function with a fixed "
                    "search_path (its owner bypasses RLS), or restructure the policies."
                ),
            )


def _edges(s: Scope) -> dict[str, set[str]]:
    """Table -> tables with RLS on that its policies read (sub-selects, invoker calls)."""
    edges: dict[str, set[str]] = {}
    for p in s.catalog.policies:
        table = s.catalog.find_table(p.table_name)
        if table is None or not table.rls_enabled:
            continue
        for expr in (p.using, p.with_check):
            if expr is None:
                continue
            a = s.analyse_any(p, expr)
            reads = {s.resolve_relation(t, ["public"]) for t in a.tables}
            for name in a.functions:
                for fn in s.resolve_function(name, ["pg_catalog", "public"]):
                    if fn.security_definer:
                        continue
                    reads.update(
                        s.resolve_relation(r.name, search_path(fn)) for r in s.body(fn).relations
                    )
            targets = {r.qualified_name for r in reads if r is not None and r.rls_enabled}
            edges.setdefault(p.table_name, set()).update(targets)
    return edges


def _cycle(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    """A path start -> ... -> start, breadth first, or None."""
    queue: list[list[str]] = [[start]]
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        for nxt in sorted(edges.get(path[-1], ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                queue.append([*path, nxt])
    return None
