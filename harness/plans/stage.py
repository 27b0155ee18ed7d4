"""The plan stage: data (generated, or the live statistics), EXPLAIN as tenants, checks.

Against an ephemeral target (a database the audit created) it loads skewed data, commits
it and takes EXPLAIN ANALYZE plans; against --dsn it writes nothing: plain EXPLAIN in a
read-only transaction that is rolled back, with the live statistics and settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from ..catalog import Catalog
from ..db import ContextSpec
from ..findings.check import Check
from ..findings.model import Finding, ObjectRef, Outcome, sort_findings
from .appsql import AppInput, by_table
from .explain import Collector, ExplainOptions, has_hypopg
from .model import (
    PlanContext,
    PlanRecord,
    PlanSettings,
    PlanStageResult,
    TableSample,
    TenantSample,
)
from .tenants import live_samples
from .volume import fillable, load_volume

Progress = Callable[[str], None]
DEFAULT_ROWS = 100_000
DEFAULT_SEED = 20_240_601


def _quiet(_: str) -> None:
    return None


def run_plan_stage(
    conn: psycopg.Connection[Any],
    catalog: Catalog,
    *,
    ephemeral: bool,
    seed: int = DEFAULT_SEED,
    rows: int = DEFAULT_ROWS,
    tenant_guc: str = "app.current_tenant_id",
    api_role: str = "authenticated",
    progress: Progress = _quiet,
    app_queries: AppInput | None = None,
    settings: PlanSettings | None = None,
    timing_runs: int = 3,
    checks: Sequence[type[Check]] | None = None,
    context: ContextSpec | None = None,
) -> PlanStageResult:
    """Run the plan stage on `conn` (a superuser or the schema owner on ephemeral targets).

    `app_queries`: application SQL the linter collected, as (sql text, location) pairs
    (`appsql.app_statements(paths)` reads them from the files `rls-audit lint` reads), or
    a mapping of `schema.table` to statements. Each statement is explained under every
    tenant table it reads, as each size class, its tenant parameters bound. `context`:
    the audit's way of passing the tenant (`harness.db.ContextSpec`), used through
    `harness.db.as_actor`; None keeps the tenant GUC plus JWT claims.
    """
    from . import get_plan_checks

    started = time.perf_counter()
    settings = settings or PlanSettings(
        tenant_column=catalog.tenant_column,
        api_role=api_role,
        tenant_guc=tenant_guc,
        context=context,
    )
    tables = fillable(catalog)
    refusal = _refusal(catalog, settings.api_role)
    if refusal:  # nothing to learn from plans that skip the policy: load nothing either
        failed = [
            PlanRecord(t.qualified_name, "count", "", _nobody(), 0, error=refusal) for t in tables
        ]
        context = PlanContext(catalog, tuple(failed), settings)
        findings = run_plan_checks(context, checks if checks is not None else get_plan_checks())
        return PlanStageResult(tuple(sort_findings(findings)), ())
    volume = None
    if ephemeral:
        volume = load_volume(
            conn,
            catalog,
            rows=rows,
            seed=seed,
            tenant_column=settings.tenant_column,
            progress=progress,
        )
        samples: Sequence[TableSample] = volume.samples
        failed = [
            PlanRecord(t.table, "count", "", _nobody(), 0, error=f"load failed: {t.error}")
            for t in volume.tables
            if t.error
        ]
    else:
        samples = live_samples(conn, tables, settings.tenant_column, seed)
        failed = []
    progress(f"plans: EXPLAIN of {len(samples)} tenant tables as {settings.api_role}")
    options = ExplainOptions(
        ephemeral=ephemeral,
        timing_runs=timing_runs if ephemeral else 0,
        server_version_num=catalog.server_version_num,
        hypopg=has_hypopg(conn, ephemeral=ephemeral),
    )
    app, unparsed = by_table(app_queries, catalog, [s.table for s in samples])
    collector = Collector(conn, catalog, settings, options)
    records = collector.collect(samples, app)
    context = PlanContext(catalog, (*failed, *records), settings)
    findings = run_plan_checks(context, checks if checks is not None else get_plan_checks())
    return PlanStageResult(
        findings=tuple(sort_findings(findings)),
        plans=tuple(records),
        samples=tuple(samples),
        volume=volume,
        seconds=round(time.perf_counter() - started, 3),
        faults=list(collector.faults),
        skipped=(*unparsed, *collector.skipped),
    )


def run_plan_checks(context: PlanContext, checks: Sequence[type[Check]]) -> list[Finding]:
    """Every check over the collected plans; a check that crashes is inconclusive."""
    findings: list[Finding] = []
    for check_cls in checks:
        try:
            findings.extend(check_cls().check(context))
        except Exception as exc:
            findings.append(
                check_cls.finding(
                    ObjectRef("database", None, context.catalog.database),
                    f"{check_cls.id} could not run: {type(exc).__name__}: {exc}",
                    outcome=Outcome.INCONCLUSIVE,
                    discriminator="crash",
                )
            )
    return findings


def _refusal(catalog: Catalog, api_role: str) -> str | None:
    """Why plans cannot be taken as `api_role`, or None. A role that bypasses row
    security would show plans without the policy: never a pass."""
    role = next((r for r in catalog.roles if r.name == api_role), None)
    if role is None:
        return f"role {api_role} does not exist"
    if role.superuser or role.bypassrls:
        return f"role {api_role} bypasses row-level security"
    return None


def _nobody() -> TenantSample:
    """The tenant of a record that was never taken."""
    return TenantSample("large", "", None)
