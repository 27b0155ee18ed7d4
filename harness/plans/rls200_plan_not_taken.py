"""RLS200: a plan could not be taken, so nothing was proven about that table."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Outcome, Severity
from ._evidence import table_ref
from .model import PlanContext


class PlanNotTaken(Check):
    """The plan stage could not load or explain a tenant table: no verdict, never a pass.

    Why it matters:
    A table whose plans could not be taken (its rows could not be generated, the API role
    could not be assumed, EXPLAIN failed or timed out) has not been shown to use its tenant
    index. Reporting it as inconclusive keeps a silent gap from looking like a pass.

    Anti-pattern:
        -- a CHECK the generator cannot satisfy, or a policy that raises:
        CREATE POLICY notes_tenant ON public.notes TO authenticated
          USING (tenant_id = public.require_tenant());  -- raises without context

    Best practice:
        -- fix the cause shown in the evidence, then run the plan stage again
        rls-audit --schema schema

    References:
        https://www.postgresql.org/docs/current/sql-explain.html
    """

    id = "RLS200"
    name = "plan-not-taken"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        for table, records in ctx.by_table().items():
            failed = [r for r in records if r.error]
            if not failed:
                continue
            first = failed[0]
            yield self.finding(
                table_ref(table),
                f"{table}: no plan could be taken ({first.error})",
                evidence=Evidence(
                    sql=first.sql or None,
                    actor=ctx.settings.api_role,
                    tenant=first.tenant.tenant,
                    observed=first.error,
                    details={"failed": [f"{r.query}/{r.tenant.size_class}" for r in failed]},
                ),
                remediation="Fix the cause in the evidence and run the plan stage again.",
                outcome=Outcome.INCONCLUSIVE,
            )
