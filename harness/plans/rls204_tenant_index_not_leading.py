"""RLS204: the only indexes holding the tenant column do not start with it."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog import Index
from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import (
    Access,
    non_leading_indexes,
    representative,
    table_scans,
    tenant_access,
    tenant_led_indexes,
)
from ._evidence import create_index, plan_evidence, table_ref, tenant_size
from .model import TENANT_ONLY, PlanContext, PlanRecord


class TenantIndexNotLeading(Check):
    """An index holds the tenant column, but not first, so tenant queries scan all of it.

    Why it matters:
    A B-tree is ordered by its first column. An index on (created_at, tenant_id) or
    (id, tenant_id) contains the tenant column, and EXPLAIN even shows an Index Cond on it,
    but finding one tenant's entries means reading the whole index: the cost grows with
    all tenants' rows, and small tenants pay for the large ones. The plan is judged by how
    the index is ordered, not by its name, so equivalent indexes give the same verdict.

    Anti-pattern:
        CREATE TABLE public.notes (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,
                                   created_at timestamptz NOT NULL);
        CREATE INDEX notes_created_tenant ON public.notes (created_at, tenant_id);
        -- Index Only Scan using notes_created_tenant  Index Cond: (tenant_id = $0)

    Best practice:
        CREATE INDEX CONCURRENTLY ON public.notes (tenant_id, created_at);

    References:
        https://www.postgresql.org/docs/current/indexes-multicolumn.html
    """

    id = "RLS204"
    name = "tenant-index-not-leading"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        column = ctx.settings.tenant_column
        for table, records in ctx.by_table().items():
            if tenant_led_indexes(ctx.catalog, table, column):
                continue
            hits = [
                (r, index)
                for r in records
                if ctx.judged(r) and r.query in TENANT_ONLY
                for index in [self._index(r, ctx, column)]
                if index is not None
            ]
            if not hits:
                continue
            record = representative([r for r, _ in hits])
            index = next(i for r, i in hits if r is record)
            rest = [c for c in index.columns if c != column]
            yield self.finding(
                table_ref(table),
                f"{table}: {index.name} holds {column} at position "
                f"{index.columns.index(column) + 1}, so the rows of {tenant_size(record)} "
                "are found by reading the whole index or table",
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=f"{index.definition}; no index is led by {column}",
                    expected=f"an index whose first key column is {column}",
                    suggested=[column, *rest],
                    index=index.definition,
                ),
                remediation=Remediation(
                    f"Create the index with {column} first (keep the old one only if queries "
                    "without a tenant restriction need it).",
                    fix_sql=create_index(table, [column, *rest]),
                ),
            )

    @staticmethod
    def _index(record: PlanRecord, ctx: PlanContext, column: str) -> Index | None:
        """The non-leading index this plan used, or would need, for the tenant restriction."""
        candidates = non_leading_indexes(ctx.catalog, record.table, column)
        for scan in table_scans(record, ctx.catalog):
            access = tenant_access(scan, ctx.catalog, record.table, column)
            if access.access is Access.OTHER_INDEX and access.index is not None:
                return access.index
            if access.access is Access.FILTER and candidates:
                return candidates[0]
        return None
