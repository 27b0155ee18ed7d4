"""RLS202: a function of the policy is evaluated for every row read."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import calls_in, policy_functions, representative, table_scans
from ._evidence import plan_evidence, table_ref, tenant_size
from .model import TENANT_ONLY, PlanContext, PlanRecord


class PolicyFunctionPerRow(Check):
    """A function the policy calls is evaluated for every row read, not once.

    Why it matters:
    The tenant context should be computed once per statement: as an InitPlan (the policy
    wraps the call in a scalar sub-select) or as the value of an index condition. When the
    call stays in a per-row Filter, PostgreSQL calls it for every row it reads: a VOLATILE
    function is never pre-evaluated and never used as an index key, so the policy both
    forces a sequential scan and pays a function call per row of every tenant. Supabase
    reports seconds of overhead on 150,000 rows for an unwrapped auth.uid().

    Anti-pattern:
        CREATE FUNCTION public.current_tenant() RETURNS uuid LANGUAGE plpgsql VOLATILE
          AS $$ BEGIN RETURN current_setting('app.current_tenant_id', true)::uuid; END $$;
        CREATE POLICY notes_tenant ON public.notes TO authenticated
          USING (tenant_id = public.current_tenant());
        -- Seq Scan on notes  Filter: (tenant_id = current_tenant())

    Best practice:
        ALTER FUNCTION public.current_tenant() STABLE;
        ALTER POLICY notes_tenant ON public.notes
          USING (tenant_id = (SELECT public.current_tenant()));
        -- InitPlan 1; Index Scan ... Index Cond: (tenant_id = $0)

    References:
        https://supabase.com/docs/guides/database/database-advisors?lint=0003_auth_rls_initplan
        https://www.postgresql.org/docs/current/xfunc-volatility.html
    """

    id = "RLS202"
    name = "policy-function-per-row"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        for table, records in ctx.by_table().items():
            functions = policy_functions(ctx.catalog, table)
            if not functions:
                continue
            hits = [
                (r, called)
                for r in records
                if ctx.judged(r) and (r.query in TENANT_ONLY or r.query == "app")
                for called in [self._per_row(r, ctx, functions)]
                if called
            ]
            if not hits:
                continue
            record = representative([r for r, _ in hits])
            called = sorted({name for _, names in hits for name in names})
            volatile = [
                f.signature
                for f in ctx.catalog.functions
                if f.name in called and f.volatility == "volatile"
            ]
            why = f" ({', '.join(volatile)} is VOLATILE)" if volatile else ""
            fix = "\n".join(f"ALTER FUNCTION {sig} STABLE;" for sig in volatile) or None
            yield self.finding(
                table_ref(table),
                f"{table}: the policy calls {', '.join(called)}() for every row read as "
                f"{tenant_size(record)}{why}",
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=f"per-row Filter: {self._filter(record, ctx, functions)}",
                    expected="the call evaluated once: an InitPlan or an Index Cond",
                    functions=called,
                    volatile=volatile,
                ),
                remediation=Remediation(
                    "Call the function as a scalar sub-select, (SELECT f()), so that it runs "
                    "once per statement, and declare it STABLE when it only reads settings "
                    "or tables.",
                    fix_sql=fix,
                ),
            )

    @staticmethod
    def _per_row(record: PlanRecord, ctx: PlanContext, functions: tuple[str, ...]) -> set[str]:
        called: set[str] = set()
        for scan in table_scans(record, ctx.catalog):
            called.update(calls_in(scan.filter, functions))
        return called

    @staticmethod
    def _filter(record: PlanRecord, ctx: PlanContext, functions: tuple[str, ...]) -> str:
        return next(
            (
                s.filter
                for s in table_scans(record, ctx.catalog)
                if s.filter and calls_in(s.filter, functions)
            ),
            "",
        )
