"""RLS201: a tenant's rows are found without an index led by the tenant column."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import (
    Access,
    TenantAccess,
    representative,
    table_scans,
    tenant_access,
    tenant_led_indexes,
)
from ._evidence import create_index, plan_evidence, suggested_columns, table_ref, tenant_size
from .model import TENANT_ONLY, PlanContext, PlanRecord


class TenantScanNotIndexed(Check):
    """A tenant's rows are found without an index led by the tenant column.

    Why it matters:
    Every query of a tenant table carries the policy's tenant restriction. When no index
    led by the tenant column serves it, PostgreSQL reads every tenant's rows to return one
    tenant's (a Seq Scan with a Filter, or a full scan of an index that holds the tenant
    column further right), so each query costs the size of the whole table, not of the
    tenant. Community measurements report 171 ms -> under 0.1 ms on 100,000 rows from the
    index alone. The plan is taken under the API role, as a large tenant, on generated
    skewed data (or the live statistics with --dsn).

    Anti-pattern:
        CREATE TABLE public.notes (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,
                                   created_at timestamptz NOT NULL, body text);
        CREATE POLICY notes_tenant ON public.notes TO authenticated
          USING (tenant_id = (SELECT public.current_tenant_id()));
        -- Seq Scan on notes  Filter: (tenant_id = $0)

    Best practice:
        CREATE INDEX CONCURRENTLY ON public.notes (tenant_id, created_at);
        -- Index Scan using notes_tenant_id_created_at_idx  Index Cond: (tenant_id = $0)

    References:
        https://www.postgresql.org/docs/current/indexes-multicolumn.html
        https://github.com/GaryAustin1/RLS-Performance
    """

    id = "RLS201"
    name = "tenant-scan-not-indexed"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        column = ctx.settings.tenant_column
        for table, records in ctx.by_table().items():
            hits = [r for r in records if ctx.judged(r) and self._unindexed(r, ctx, column)]
            if not hits:
                continue
            record = representative(hits)
            access = self._access(record, ctx, column)
            led = tenant_led_indexes(ctx.catalog, table, column)
            scan = access.scan.node_type
            if access.access is Access.OTHER_INDEX and access.index is not None:
                scan += f" using {access.index.name} ({', '.join(access.index.columns)})"
            message = (
                f"{table}: the rows of {tenant_size(record)} are read through {scan}, "
                f"which applies the tenant restriction as {access.access.value}"
            )
            if led:
                names = ", ".join(i.name for i in led)
                remediation = Remediation(
                    f"{names} is led by {column}, but the policy's condition cannot use it: "
                    "compare the bare column with a value computed once (see RLS202, RLS203)."
                )
            else:
                remediation = Remediation(
                    f"Create an index led by {column}, followed by the column the table is "
                    "usually sorted or searched by.",
                    fix_sql=create_index(table, suggested_columns(records, column)),
                )
            yield self.finding(
                table_ref(table),
                message,
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=f"{scan}: {access.access.value}",
                    expected=f"Index Scan, Index Only Scan or Bitmap Index Scan with an "
                    f"Index Cond on {column}, using an index led by {column}",
                    suggested=None if led else suggested_columns(records, column),
                    queries=sorted({r.query for r in hits}),
                ),
                remediation=remediation,
            )

    @staticmethod
    def _access(record: PlanRecord, ctx: PlanContext, column: str) -> TenantAccess:
        scans = table_scans(record, ctx.catalog)
        found = [tenant_access(s, ctx.catalog, record.table, column) for s in scans]
        return next(a for a in found if a.access in (Access.FILTER, Access.OTHER_INDEX))

    @staticmethod
    def _unindexed(record: PlanRecord, ctx: PlanContext, column: str) -> bool:
        for scan in table_scans(record, ctx.catalog):
            access = tenant_access(scan, ctx.catalog, record.table, column).access
            if record.query in TENANT_ONLY and access in (Access.FILTER, Access.OTHER_INDEX):
                return True
            if record.query == "app" and scan.node_type == "Seq Scan" and access is Access.FILTER:
                return True
        return False
