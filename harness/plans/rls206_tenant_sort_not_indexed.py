"""RLS206: the newest rows of a tenant are found by sorting all of its rows."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import representative
from ._evidence import create_index, plan_evidence, table_ref, tenant_size
from .model import PlanContext, PlanRecord
from .tree import PlanNode


class TenantSortNotIndexed(Check):
    """A tenant's newest rows are found by sorting all of that tenant's rows.

    Why it matters:
    Lists ("the newest 50 invoices") are the most common tenant query. Without an index on
    (tenant column, sort column) PostgreSQL reads every row of the tenant and sorts them
    to return the first page, so the page gets slower as the tenant grows; with the index
    it reads 50 entries in order and stops. Reported only when the sort's input reaches
    the configured number of rows (10,000 by default), where it starts to matter.

    Anti-pattern:
        CREATE INDEX ON public.notes (tenant_id);
        SELECT * FROM public.notes ORDER BY created_at DESC LIMIT 50;
        -- Limit -> Sort (Sort Key: created_at DESC) -> Bitmap Heap Scan (rows=40000)

    Best practice:
        CREATE INDEX CONCURRENTLY ON public.notes (tenant_id, created_at);
        -- Limit -> Index Scan Backward using notes_tenant_id_created_at_idx

    References:
        https://www.postgresql.org/docs/current/indexes-ordering.html
    """

    id = "RLS206"
    name = "tenant-sort-not-indexed"
    severity = Severity.LOW
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        column = ctx.settings.tenant_column
        for table, records in ctx.by_table().items():
            hits = [
                r
                for r in records
                if ctx.judged(r)
                and r.query == "newest"
                and self._sorted_rows(r) >= ctx.settings.sort_rows
            ]
            if not hits:
                continue
            record = representative(hits)
            sort = record.sort_column or ""
            if self._indexed(ctx, table, column, sort):
                continue
            rows = self._sorted_rows(record)
            yield self.finding(
                table_ref(table),
                f"{table}: the newest rows of {tenant_size(record)} are found by sorting "
                f"{rows:,.0f} rows by {sort}",
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=f"Sort of {rows:,.0f} rows by {sort}",
                    expected=f"an index scan in ({column}, {sort}) order that stops at the LIMIT",
                    suggested=[column, sort],
                    sorted_rows=rows,
                ),
                remediation=Remediation(
                    f"Index ({column}, {sort}) so the first page is read in order.",
                    fix_sql=create_index(table, [column, sort]),
                ),
            )

    @staticmethod
    def _sorted_rows(record: PlanRecord) -> float:
        plan = record.plan
        if plan is None:
            return 0.0
        sorts = [n for n in plan.walk() if n.node_type in ("Sort", "Incremental Sort")]
        return max((_input_rows(n) for n in sorts), default=0.0)

    @staticmethod
    def _indexed(ctx: PlanContext, table: str, column: str, sort: str) -> bool:
        return any(
            i.columns[:2] == (column, sort) and i.predicate is None
            for i in ctx.catalog.indexes_on(table)
        )


def _input_rows(sort: PlanNode) -> float:
    children = [c for c in sort.children if not c.is_init_plan]
    return max((c.rows for c in children), default=0.0)
