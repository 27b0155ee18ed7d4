"""The probe stage: populate many tenants inside one rolled-back transaction, run every
probe, and return findings plus the access matrix. Nothing it writes survives it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from .. import db
from ..catalog import Catalog
from ..findings.model import Finding, ObjectRef, Outcome
from .context import ProbeConfig, ProbeContext
from .matrix import AccessMatrix
from .population import Populator, make_tenants
from .runner import Runner
from .scope import build_scope

Progress = Callable[[str], None]
ConnFactory = Callable[[], psycopg.Connection[Any]]


@dataclass
class ProbeResult:
    findings: list[Finding]
    matrix: AccessMatrix
    stats: dict[str, Any] = field(default_factory=dict)


def _noop(_: str) -> None:
    return None


def probe_config(config: Any) -> ProbeConfig:
    """ProbeConfig from an AuditConfig (fields read with defaults, so either may grow)."""
    profile = getattr(config, "probe_profile", "quick")
    tenants = getattr(config, "probe_tenants", None) or (20 if profile == "quick" else 200)
    claim = getattr(config, "jwt_claim_path", "tenant_id") or "tenant_id"
    spec = db.ContextSpec(
        mode=getattr(config, "context_mode", "guc"),
        guc=getattr(config, "tenant_guc", "app.current_tenant_id"),
        claim_path=tuple(claim.split(".")),
        snippet=getattr(config, "context_sql", None),
    )
    return ProbeConfig(
        roles=tuple(getattr(config, "api_roles", ("authenticated", "anon"))),
        context=spec,
        profile=profile,
        tenants=int(tenants),
        seed=int(getattr(config, "probe_seed", 0)),
        adversary=getattr(config, "adversary", "api"),
    )


def run_probes(
    conn_factory: ConnFactory,
    catalog: Catalog,
    config: Any,
    progress: Progress = _noop,
    *,
    only: set[str] | None = None,
) -> ProbeResult:
    """Run the probes (all, or the ids/names in `only`) against a fresh connection."""
    from . import get_probes
    from .rls100_probe_coverage import ProbeCoverage

    pconfig = config if isinstance(config, ProbeConfig) else probe_config(config)
    checks = [c for c in get_probes() if only is None or c.id in only or c.name in only]
    started = time.perf_counter()
    findings: list[Finding] = []
    conn = conn_factory()
    with conn, db.audit_transaction(conn, pconfig.timeouts):
        scope = build_scope(catalog)
        roles, refused = ProbeCoverage.usable_roles(conn, catalog, pconfig.roles)
        findings += refused
        progress(f"generating {pconfig.tenants} tenants' rows")
        populator = Populator(
            conn, catalog, scope, make_tenants(pconfig.tenants, pconfig.seed), pconfig.seed
        )
        world = populator.run()
        seeded = time.perf_counter()
        runner = Runner(conn)
        ctx = ProbeContext(
            conn=conn,
            catalog=catalog,
            scope=scope,
            world=world,
            config=_with_roles(pconfig, roles),
            runner=runner,
            conn_factory=conn_factory,
            populator=populator,
        )
        ctx.take_baseline()
        for check_cls in checks:
            progress(f"probe {check_cls.id} {check_cls.name}")
            try:
                findings.extend(check_cls().check(ctx))
            except Exception as exc:  # a crashing probe is inconclusive, never a pass
                if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                    raise
                findings.append(
                    check_cls.finding(
                        ObjectRef("database", None, catalog.database),
                        f"{check_cls.id} could not run: {type(exc).__name__}: {exc}",
                        outcome=Outcome.INCONCLUSIVE,
                        discriminator="crash",
                    )
                )
    finished = time.perf_counter()
    stats = {
        "tenants": len(world.tenants),
        "rows": sum(len(r) for r in world.rows.values()),
        "statements": runner.statements,
        "statement_seconds": round(runner.seconds, 3),
        "populate_s": round(seeded - started, 3),
        "probe_s": round(finished - seeded, 3),
    }
    return ProbeResult(findings=findings, matrix=ctx.matrix.freeze(), stats=stats)


def _with_roles(config: ProbeConfig, roles: list[str]) -> ProbeConfig:
    from dataclasses import replace

    return replace(config, roles=tuple(roles))
