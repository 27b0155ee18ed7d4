"""What the plan stage collects and what its checks read: plain frozen data.

Checks never touch the database: they judge `PlanRecord`s, each one EXPLAIN taken as one
tenant of one size class, so they can be tested on hand-written plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..catalog import Catalog, Table
from ..findings.model import Finding
from .tree import PlanNode, parse_plan

SizeClass = Literal["large", "medium", "small"]
QueryKind = Literal["newest", "by_id", "count", "app"]

TENANT_ONLY: frozenset[str] = frozenset({"newest", "count"})
"""Canonical queries whose only restriction is the tenant: the ones a tenant index serves."""


@dataclass(frozen=True, slots=True)
class TenantSample:
    """The tenant a plan is taken as, and how many rows it holds in the table."""

    size_class: SizeClass
    tenant: str
    rows: int | None
    """Exact when the stage generated the data; the planner's estimate on a live database."""
    key: tuple[str, ...] | None = None
    """The key of one of this tenant's rows (fetch by id); None means a synthetic key."""


@dataclass(frozen=True, slots=True)
class TableSample:
    """A tenant table as the plan stage sees it: its size and one tenant per size class."""

    table: str
    rows: int
    tenants: tuple[TenantSample, ...]
    source: Literal["generated", "statistics"]


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One EXPLAIN of one query on one table, as one tenant under row-level security."""

    table: str
    query: QueryKind
    sql: str
    tenant: TenantSample
    table_rows: int
    plan_json: Any = None
    analyzed: bool = False
    execution_ms: float | None = None
    sort_column: str | None = None
    baseline_sql: str | None = None
    """The same query run with row security off and an explicit tenant WHERE."""
    baseline_json: Any = None
    baseline_ms: float | None = None
    hypothetical_index: str | None = None
    hypothetical_columns: tuple[str, ...] = ()
    hypothetical_json: Any = None
    """The plan with `hypothetical_index` created by hypopg, where it is installed."""
    error: str | None = None
    location: str | None = None
    """Where an application statement was found (`path:line:column`)."""

    @property
    def plan(self) -> PlanNode | None:
        return None if self.plan_json is None else parse_plan(self.plan_json)

    @property
    def baseline(self) -> PlanNode | None:
        return None if self.baseline_json is None else parse_plan(self.baseline_json)

    @property
    def overhead(self) -> float | None:
        """Execution time under the policy over the explicit-WHERE baseline."""
        if self.execution_ms is None or not self.baseline_ms:
            return None
        return round(self.execution_ms / self.baseline_ms, 2)

    @property
    def relation(self) -> str:
        """The table's unqualified name, as EXPLAIN prints it."""
        return self.table.rpartition(".")[2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "query": self.query,
            "sql": self.sql,
            "size_class": self.tenant.size_class,
            "tenant": self.tenant.tenant,
            "tenant_rows": self.tenant.rows,
            "table_rows": self.table_rows,
            "analyzed": self.analyzed,
            "execution_ms": self.execution_ms,
            "baseline_sql": self.baseline_sql,
            "baseline_ms": self.baseline_ms,
            "overhead": self.overhead,
            "plan": self.plan_json,
            "hypothetical_index": self.hypothetical_index,
            "hypothetical_plan": self.hypothetical_json,
            "error": self.error,
            "location": self.location,
        }


@dataclass(frozen=True, slots=True)
class PlanSettings:
    tenant_column: str = "tenant_id"
    api_role: str = "authenticated"
    tenant_guc: str = "app.current_tenant_id"
    min_table_rows: int = 1000
    """Smaller tables are not judged: a sequential scan of a few pages is the right plan."""
    sort_rows: int = 10_000
    """A tenant's rows sorted per query before a sort is worth an index."""
    context: Any = None
    """The audit's `harness.db.ContextSpec` (GUC, JWT claims or custom SQL); None: the
    tenant GUC plus JWT claims holding the tenant."""


@dataclass(frozen=True)
class PlanContext:
    """Everything a plan check may read."""

    catalog: Catalog
    records: tuple[PlanRecord, ...]
    settings: PlanSettings = field(default_factory=PlanSettings)

    def by_table(self) -> dict[str, list[PlanRecord]]:
        grouped: dict[str, list[PlanRecord]] = {}
        for record in self.records:
            grouped.setdefault(record.table, []).append(record)
        return grouped

    def judged(self, record: PlanRecord) -> bool:
        """Whether this record is large enough, and whole enough, to judge."""
        return (
            record.error is None
            and record.plan_json is not None
            and record.table_rows >= self.settings.min_table_rows
        )

    def table(self, name: str) -> Table:
        return self.catalog.table(name)


@dataclass(frozen=True)
class PlanStageResult:
    findings: tuple[Finding, ...]
    plans: tuple[PlanRecord, ...]
    samples: tuple[TableSample, ...] = ()
    volume: Any = None
    """The bulk load's `VolumeReport` on an ephemeral target; None against --dsn."""
    seconds: float = 0.0
    faults: list[str] = field(default_factory=list)
    """Parts skipped after a statement or lock timeout, one line each: `plans on
    public.students skipped: lock timeout` (those tables are inconclusive, RLS200)."""
    skipped: tuple[Any, ...] = ()
    """Application statements not explained (`appsql.SkippedQuery`), with the reason."""

    def overheads(self) -> dict[str, dict[str, float]]:
        """Per table and canonical query: time under the policy over the explicit-WHERE
        baseline, for the largest tenant."""
        out: dict[str, dict[str, float]] = {}
        for plan in self.plans:
            if plan.tenant.size_class == "large" and plan.overhead is not None:
                out.setdefault(plan.table, {})[plan.query] = plan.overhead
        return out

    def summary(self) -> dict[str, Any]:
        """Figures for the run record: no plans, small enough for every report."""
        return {
            "seconds": self.seconds,
            "plans": len(self.plans),
            "volume": None if self.volume is None else self.volume.to_dict(),
            "rls_overhead": self.overheads(),
            "faults": list(self.faults),
            "skipped_queries": [s.to_dict() for s in self.skipped],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "rls_overhead": self.overheads(),
            "volume": None if self.volume is None else self.volume.to_dict(),
            "faults": list(self.faults),
            "skipped_queries": [s.to_dict() for s in self.skipped],
            "plans": [p.to_dict() for p in self.plans],
        }
