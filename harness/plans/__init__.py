"""Plan stage: EXPLAIN under the API role proves tenant queries use the tenant index.

`run_plan_stage` loads skewed data on targets the audit created (or reads the live
statistics with --dsn), takes the plans as a large, a medium and a small tenant, and
judges them with the checks listed here, explicitly and imported lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings.check import Check

if TYPE_CHECKING:
    from .model import PlanRecord, PlanStageResult
    from .stage import run_plan_stage

__all__ = ["PlanRecord", "PlanStageResult", "get_plan_checks", "run_plan_stage"]


def get_plan_checks() -> list[type[Check]]:
    from .rls200_plan_not_taken import PlanNotTaken
    from .rls201_tenant_scan_not_indexed import TenantScanNotIndexed
    from .rls202_policy_function_per_row import PolicyFunctionPerRow
    from .rls203_tenant_column_wrapped import TenantColumnWrapped
    from .rls204_tenant_index_not_leading import TenantIndexNotLeading
    from .rls205_qual_demoted_by_rls import QualDemotedByRls
    from .rls206_tenant_sort_not_indexed import TenantSortNotIndexed

    return [
        PlanNotTaken,
        TenantScanNotIndexed,
        PolicyFunctionPerRow,
        TenantColumnWrapped,
        TenantIndexNotLeading,
        QualDemotedByRls,
        TenantSortNotIndexed,
    ]


def __getattr__(name: str) -> object:
    if name == "run_plan_stage":
        from .stage import run_plan_stage

        return run_plan_stage
    if name in ("PlanRecord", "PlanStageResult"):
        from . import model

        return getattr(model, name)
    raise AttributeError(name)
