"""RLS037: a partition or inheritance child holding tenant rows is granted directly."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import COMMANDS, relation_ref, scope


class ChildTableGranted(Check):
    """The API roles may query a partition or inheritance child directly.

    Why it matters:
    Querying through the parent applies the parent's policies. Querying a partition or an
    inheritance child by name applies the child's own row level security, which is
    configured separately and drifts: a child with RLS off (reported by RLS001), or with
    policies older than the parent's, exposes its rows. The API needs only the parent.

    Anti-pattern:
    CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    GRANT SELECT ON events_2025 TO authenticated;

    Best practice:
    REVOKE ALL ON events_2025 FROM anon, authenticated;  -- grant on the parent only

    References:
    pgrls SEC041/SEC043; splinter (flags RLS-off children only); ANCHORS pitfall 26
    """

    id = "RLS037"
    name = "child-table-granted"
    severity = Severity.MEDIUM
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            parent = table.partition_parent or (
                table.inheritance_parents[0] if table.inheritance_parents else None
            )
            if parent is None:
                continue
            grants = s.api_grants(table.qualified_name, COMMANDS)
            if not grants:
                continue
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name}, a child of {parent}, is granted directly to "
                f"{', '.join(sorted({g.grantee for g in grants}))}: its own row level security "
                f"({'on' if table.rls_enabled else 'off'}) applies, not the parent's",
                evidence=Evidence(observed=_fix.grants_text(grants)),
                remediation=_fix.fix(
                    "Revoke the direct privileges; the API reaches the rows through the parent.",
                    *_fix.revoke(_fix.rel(table), grants),
                ),
            )
