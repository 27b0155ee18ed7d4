"""RLS203: the policy casts the tenant column or passes it to a function."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import representative, table_scans, wraps
from ._evidence import plan_evidence, table_ref, tenant_size
from .model import TENANT_ONLY, PlanContext, PlanRecord


class TenantColumnWrapped(Check):
    """The policy casts the tenant column or wraps it in a function, defeating its index.

    Why it matters:
    An index on tenant_id serves `tenant_id = value`, not `tenant_id::text = value` nor
    `lower(tenant_id::text) = value`: PostgreSQL can only use it when the bare column is
    compared. A policy that converts the column instead of the value turns every tenant
    query into a scan of all tenants' rows, although the index exists, and the plan shows
    it as a Filter on the cast column.

    Anti-pattern:
        CREATE POLICY notes_tenant ON public.notes TO authenticated
          USING (tenant_id::text = (SELECT current_setting('app.current_tenant_id', true)));
        -- Seq Scan on notes  Filter: ((tenant_id)::text = $0)

    Best practice:
        ALTER POLICY notes_tenant ON public.notes
          USING (tenant_id = (SELECT NULLIF(current_setting('app.current_tenant_id', true),
                                            '')::uuid));
        -- Index Scan ... Index Cond: (tenant_id = $0)

    References:
        https://www.postgresql.org/docs/current/indexes-expressional.html
    """

    id = "RLS203"
    name = "tenant-column-wrapped"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        column = ctx.settings.tenant_column
        for table, records in ctx.by_table().items():
            hits = [r for r in records if ctx.judged(r) and self._wrapped(r, ctx, column)]
            if not hits:
                continue
            record = representative(hits)
            policies = [
                p
                for p in ctx.catalog.policies_for(table)
                if wraps(p.using, column) or wraps(p.with_check, column)
            ]
            names = ", ".join(p.name for p in policies) or "the query"
            condition = self._condition(record, ctx, column)
            yield self.finding(
                table_ref(table),
                f"{table}: {names} compares a converted {column}, so no index on {column} "
                f"serves {tenant_size(record)}",
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=condition,
                    expected=f"the bare column compared: ({column} = value)",
                    policies={p.name: p.using for p in policies},
                ),
                remediation=Remediation(
                    f"Convert the context value to the type of {column} instead of "
                    f"converting {column}: ({column} = (SELECT <value>::<type of {column}>))."
                ),
            )

    @staticmethod
    def _conditions(record: PlanRecord, ctx: PlanContext) -> list[str]:
        return [
            c
            for s in table_scans(record, ctx.catalog)
            for c in (s.filter, s.index_cond, s.recheck_cond)
            if c
        ]

    @classmethod
    def _wrapped(cls, record: PlanRecord, ctx: PlanContext, column: str) -> bool:
        if record.query not in TENANT_ONLY and record.query != "app":
            return False
        return any(wraps(c, column) for c in cls._conditions(record, ctx))

    @classmethod
    def _condition(cls, record: PlanRecord, ctx: PlanContext, column: str) -> str:
        return next(c for c in cls._conditions(record, ctx) if wraps(c, column))
