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
from ..errors import ConfigError
from ..findings.check import Check
from ..findings.model import Evidence, Finding, ObjectRef, Outcome
from .context import ProbeConfig, ProbeContext, obj
from .matrix import AccessMatrix
from .population import Populator, fault_message, make_tenants
from .runner import Fault, Runner, fault_of
from .scope import build_scope

Progress = Callable[[str], None]
ConnFactory = Callable[[], psycopg.Connection[Any]]


@dataclass
class ProbeResult:
    findings: list[Finding]
    matrix: AccessMatrix
    stats: dict[str, Any] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    """What kept the stage from probing (lock or statement timeouts), one line each."""


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
    default = db.Timeouts()
    try:
        timeouts = _timeouts(config, default)
    except ValueError as exc:
        raise ConfigError(f"probe timeouts: {exc}") from None
    return ProbeConfig(
        roles=tuple(getattr(config, "api_roles", ("authenticated", "anon"))),
        context=spec,
        profile=profile,
        tenants=int(tenants),
        seed=int(getattr(config, "probe_seed", 0)),
        adversary=getattr(config, "adversary", "api"),
        timeouts=timeouts,
    )


def _timeouts(config: Any, default: db.Timeouts) -> db.Timeouts:
    """Statement, lock and idle timeouts from the config: milliseconds or '5s'."""
    return db.Timeouts(
        statement_ms=db.duration_ms(
            getattr(config, "statement_timeout", None), default.statement_ms
        ),
        lock_ms=db.duration_ms(getattr(config, "lock_timeout", None), default.lock_ms),
        idle_ms=db.duration_ms(getattr(config, "idle_timeout", None), default.idle_ms),
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
        _baseline(ctx)
        tried: dict[str, Any] = {}
        per_check: dict[str, dict[str, float]] = {}
        for check_cls in checks:
            progress(f"probe {check_cls.id} {check_cls.name}")
            count, clock = runner.statements, time.perf_counter()
            findings.extend(_run_check(ctx, check_cls, tried))
            per_check[check_cls.id] = {
                "statements": runner.statements - count,
                "seconds": round(time.perf_counter() - clock, 3),
            }
        findings.extend(_fault_findings(ctx, ProbeCoverage, findings))
    finished = time.perf_counter()
    stats = {
        "tenants": len(world.tenants),
        "rows": sum(len(r) for r in world.rows.values()),
        "statements": runner.statements,
        "statement_seconds": round(runner.seconds, 3),
        "populate_s": round(seeded - started, 3),
        "probe_s": round(finished - seeded, 3),
        "checks": per_check,
        "tried": tried,
    }
    faults = list(dict.fromkeys([*world.faulted.values(), *ctx.faults]))
    return ProbeResult(findings=findings, matrix=ctx.matrix.freeze(), stats=stats, faults=faults)


def _run_check(ctx: ProbeContext, check_cls: type[Check], tried: dict[str, Any]) -> list[Finding]:
    """Run one probe; a timeout charges its table (or the probe) as inconclusive and the
    probe runs again without it, so the other tables are still probed. A probe that says
    what it tried (`summary()`) has that recorded, so a silent run still shows its work."""
    out: list[Finding] = []
    seen: set[str] = set()
    ctx.passed_over.clear()
    for _ in range(len(ctx.scope.order) + 2):
        ctx.current = None
        try:
            check = check_cls()
            for finding in check.check(ctx):
                if finding.fingerprint not in seen:
                    seen.add(finding.fingerprint)
                    out.append(finding)
            summary = getattr(check, "summary", None)
            if callable(summary):
                tried[check_cls.id] = summary()
            return out
        except (Fault, psycopg.Error) as exc:
            fault = _as_fault(ctx, exc)
            if fault is None:
                return [*out, _crash(ctx, check_cls, exc)]
            charged = _charge(ctx, fault, check_cls.id)
            if not charged:  # nothing to leave out: the probe as a whole is inconclusive
                message = f"{check_cls.id} skipped: {fault.reason} ({fault.error})"
                ctx.faults.append(message)
                out.append(_inconclusive(ctx, check_cls, None, message, fault))
                return out
            for table, message in charged.items():
                out.append(_inconclusive(ctx, check_cls, table, message, fault))
        except Exception as exc:  # a crashing probe is inconclusive, never a pass
            return [*out, _crash(ctx, check_cls, exc)]
    return out


def _as_fault(ctx: ProbeContext, exc: BaseException) -> Fault | None:
    """The timeout behind `exc` as a Fault; a lost connection or an aborted transaction
    propagates (the audit records it); None for any other error."""
    if ctx.conn.closed or ctx.conn.broken:
        raise exc
    if isinstance(exc, Fault):
        return exc
    reason = fault_of(exc)
    if reason is None:
        return None
    diag = getattr(exc, "diag", None)
    error = (diag.message_primary if diag else None) or str(exc).strip().splitlines()[0]
    return Fault(reason, (diag.sqlstate if diag else None) or "", error)


def _crash(ctx: ProbeContext, check_cls: type[Check], exc: BaseException) -> Finding:
    if ctx.conn.closed or ctx.conn.broken:
        raise exc
    if ctx.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        raise exc
    return check_cls.finding(
        ObjectRef("database", None, ctx.catalog.database),
        f"{check_cls.id} could not run: {type(exc).__name__}: {exc}",
        outcome=Outcome.INCONCLUSIVE,
        discriminator="crash",
    )


def _baseline(ctx: ProbeContext) -> None:
    """The checksums every act compares with; a table locked since the population is
    left out (inconclusive) instead of failing the stage."""
    for _ in range(len(ctx.scope.order) + 1):
        try:
            with ctx.conn.transaction():
                ctx.take_baseline()
            return
        except psycopg.Error as exc:
            fault = _as_fault(ctx, exc)
            if fault is None or not _charge(ctx, fault):
                raise
    ctx.take_baseline()


def _charge(ctx: ProbeContext, fault: Fault, probe: str = "") -> dict[str, str]:
    """The tables to leave out after `fault`, with why. Tables another session holds a
    strong lock on are left out of every later probe; otherwise only the probe that met
    the fault passes over the table it was working on (another statement may still
    reach it)."""
    charged = {}
    if fault.sqlstate == "55P03":
        for table in locked_tables(ctx):
            charged[table] = fault_message(table, fault.reason)
            ctx.mark_faulted(table, charged[table])
    if not charged and ctx.current and ctx.current not in ctx.passed_over and probe:
        table = ctx.current
        message = fault_message(table, fault.reason).replace("probes on", f"probe {probe} on", 1)
        ctx.passed_over[table] = message
        ctx.faults.append(message)
        charged[table] = message
    return charged


def locked_tables(ctx: ProbeContext) -> list[str]:
    """In-scope relations on which another session holds a lock that blocks writes."""
    oids = {r.oid: r.qualified_name for r in ctx.scope.readable}
    oids.update({ts.table.oid: name for name, ts in ctx.scope.tables.items()})
    rows = ctx.conn.execute(
        "select distinct relation::oid::bigint from pg_catalog.pg_locks"
        " where granted and pid <> pg_catalog.pg_backend_pid() and relation = any(%s)"
        " and mode in ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',"
        " 'AccessExclusiveLock')",
        (list(oids),),
    ).fetchall()
    return sorted(oids[r[0]] for r in rows if r[0] in oids and oids[r[0]] not in ctx.faulted)


def _inconclusive(
    ctx: ProbeContext, check_cls: type[Check], table: str | None, message: str, fault: Fault
) -> Finding:
    target = obj(table, "table") if table else ObjectRef("database", None, ctx.catalog.database)
    return check_cls.finding(
        target,
        message,
        evidence=Evidence(
            sql=fault.statement or None,
            expected="an answer from the server",
            observed=f"ERROR {fault.sqlstate}: {fault.error}",
            details={"fault": fault.reason},
        ),
        outcome=Outcome.INCONCLUSIVE,
        discriminator=f"fault:{table or ''}",
    )


def _fault_findings(
    ctx: ProbeContext, coverage: type[Check], found: list[Finding]
) -> list[Finding]:
    """Faulted relations that no probe reported as inconclusive yet."""
    reported = {str(f.object) for f in found if f.outcome is Outcome.INCONCLUSIVE}
    out = []
    for name, message in sorted(ctx.world.faulted.items()):
        if name.startswith("<") or name in reported:
            continue
        out.append(
            coverage.finding(
                obj(name, "table"),
                message,
                evidence=Evidence(observed=message, details={"table": name}),
                outcome=Outcome.INCONCLUSIVE,
                discriminator="fault",
            )
        )
    return out


def _with_roles(config: ProbeConfig, roles: list[str]) -> ProbeConfig:
    from dataclasses import replace

    return replace(config, roles=tuple(roles))
