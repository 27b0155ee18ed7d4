"""The audit pipeline: target -> catalog snapshot -> checks -> findings.

Each stage reads the output of the one before it and nothing else; only this module and
the target package open connections.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from . import __version__
from .catalog import Catalog, load_catalog
from .config import AuditConfig
from .db import Timeouts
from .errors import AuditError, ConfigError, ConnectionFailed
from .faults import Partial
from .findings.check import Check
from .findings.model import Finding, ObjectRef, Outcome, Severity, sort_findings
from .findings.registry import all_checks
from .lint import get_lint_rules, lint_catalog
from .schema_loader import LoadReport, schema_files
from .target import Target, redact, start_target
from .target.dsn import first_line, read_only_dsn
from .target.janitor import build_template, clone, drop_database

Progress = Callable[[str], None]


@dataclass
class RunInfo:
    tool: str = "rls-audit"
    version: str = __version__
    backend: str = ""
    target: str = ""
    server_version: str = ""
    schema: str | None = None
    database: str = ""
    tenant_column: str = "tenant_id"
    started_at: str = ""
    duration_s: float = 0.0
    python: str = platform.python_version()
    load: dict[str, Any] = field(default_factory=dict)
    trace: dict[str, Any] | None = None
    """Fingerprints before and after an in-place `--dsn` audit and their verdict (trace.py)."""
    read_only: bool = False
    """--read-only: the server refused writes for every session of the run."""
    incomplete: list[str] = field(default_factory=list)
    """One line per part of the audit a fault skipped or stopped (server restart, lost
    connection, timeout, lock, full disk); empty when the audit ran to the end."""


@dataclass
class AuditResult:
    run: RunInfo
    findings: list[Finding]
    checks: list[type[Check]]
    catalog: Catalog | None = None
    fail_on: Severity = Severity.HIGH
    matrix: Any = None
    """The probes' access matrix (`harness.probes.matrix.AccessMatrix`), None without probes."""

    def gating(self) -> list[Finding]:
        """Unsuppressed findings at or above the threshold (inconclusive ones included)."""
        return [
            f for f in self.findings if f.suppressed is None and f.severity.at_least(self.fail_on)
        ]

    @property
    def passed(self) -> bool:
        return not self.gating()

    @property
    def complete(self) -> bool:
        """Whether every requested part ran; an incomplete audit verifies less than asked."""
        return not self.run.incomplete

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            if f.suppressed is None:
                out[f.severity.value] += 1
        return out


def _noop(_: str) -> None:
    return None


@contextmanager
def audit_database(
    config: AuditConfig, run: RunInfo, progress: Progress = _noop
) -> Iterator[tuple[Target, str]]:
    """A started target and the database to audit; everything we created is removed after."""
    if config.schema is not None:
        schema_files(Path(config.schema))  # refuse a bad directory before starting a server
    for path in config.app_sql:
        if not Path(path).exists():
            raise ConfigError(f"--app-sql: {path} does not exist", hint="pass files or directories")
    with ExitStack() as stack:
        progress(f"starting backend {config.backend if not config.dsn else 'dsn'}")
        dsn = config.dsn
        # --- read-only: every session gets default_transaction_read_only (target/dsn.py)
        if getattr(config, "read_only", False):
            if not dsn or config.schema is not None:
                raise ConfigError("--read-only audits a database in place: --dsn, no --schema")
            dsn, run.read_only = read_only_dsn(dsn), True
        # --- end read-only
        target = start_target(config.backend, dsn=dsn, image=config.docker_image)
        stack.callback(target.close)
        run.backend = target.backend
        run.server_version = target.server_version
        run.target = redact(target.conninfo()) if config.dsn else f"{target.backend} server"
        schema = config.schema
        if schema is None and not config.dsn:
            default = Path("schema")
            if not default.is_dir():
                raise ConfigError(
                    "nothing to audit: no --dsn, no --schema and no ./schema directory",
                    hint="pass --schema DIR or --dsn postgresql://...",
                )
            schema = default
        if schema is None:
            dbname = psycopg.conninfo.conninfo_to_dict(target.conninfo()).get("dbname") or ""
            run.database = str(dbname)
            yield target, str(dbname)
            return
        run.schema = str(schema)
        progress(f"loading schema {schema}")
        started = time.perf_counter()
        template, report = build_template(target, Path(schema), owner_role=config.owner_role)
        stack.callback(_drop, target, template, run)
        run.load = _load_summary(report, time.perf_counter() - started)
        dbname = clone(target, template, owner_role=config.owner_role, purpose="run")
        stack.callback(_drop, target, dbname, run)
        run.database = dbname
        yield target, dbname


def _drop(target: Target, name: str, run: RunInfo) -> None:
    """Drop a database we created; a server that is gone must not hide what went before."""
    try:
        drop_database(target, name)
    except (AuditError, psycopg.Error) as exc:
        if target.backend == "dsn":  # our own servers take their databases with them
            run.incomplete.append(f"cleanup: database {name} was not dropped ({first_line(exc)})")


def _load_summary(report: LoadReport | None, seconds: float) -> dict[str, Any]:
    if report is None:
        return {}
    return {
        "files": len(report.files),
        "statements": report.statements,
        "seconds": round(seconds, 3),
    }


def run_checks(checks: list[type[Check]], catalog: Catalog) -> list[Finding]:
    findings: list[Finding] = []
    for check_cls in checks:
        check = check_cls()
        try:
            findings.extend(check.check(catalog))
        except Exception as exc:  # a crashing check is inconclusive, never a pass
            findings.append(
                check_cls.finding(
                    ObjectRef("database", None, catalog.database),
                    f"{check_cls.id} could not run: {type(exc).__name__}: {exc}",
                    outcome=Outcome.INCONCLUSIVE,
                    discriminator="crash",
                )
            )
    return findings


def lint_stage(catalog: Catalog, api_roles: tuple[str, ...]) -> list[Finding]:
    """The query lint over the catalog's views and functions.

    A view or function no API role can reach (a platform-wide statistics view, say) may
    read every tenant on purpose: its findings stay in the report, as info.
    """
    out = []
    for finding in lint_catalog(catalog):
        container = finding.location.path if finding.location else ""
        kind, _, name = container.rpartition(" ")
        if kind and not _reachable(catalog, kind, name, api_roles):
            finding = replace(
                finding,
                severity=Severity.INFO,
                message=f"{finding.message} ({kind} {name} is not reachable by the API roles)",
            )
        out.append(finding)
    return out


def lint_app(catalog: Catalog, paths: tuple[Path, ...]) -> list[Finding]:
    """The application's own SQL, checked against the tenant tables of the live catalog."""
    from .lint import lint_paths
    from .lint.tenants import TenantTables

    return lint_paths(paths, tenant_tables=TenantTables.from_catalog(catalog))


def _reachable(catalog: Catalog, kind: str, name: str, api_roles: tuple[str, ...]) -> bool:
    if kind == "function":
        known = {r.name for r in catalog.roles}
        return any(
            any(f.signature == name for f in catalog.functions_executable_by(role))
            for role in api_roles
            if role in known
        )
    grantees = {*api_roles, "PUBLIC"}
    return any(g.privilege == "SELECT" and g.grantee in grantees for g in catalog.grants_on(name))


def audit(config: AuditConfig, *, progress: Progress = _noop) -> AuditResult:
    """Run the audit described by `config` and return its findings; writes no report.

    A fault once the database is ready (the server restarts, the session is killed, a
    statement or lock times out, the disk fills) does not raise: the result carries what
    ran and `run.incomplete` says what did not.
    """
    run = RunInfo(
        tenant_column=config.tenant_column,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    started = time.perf_counter()
    state = Partial(run)
    timeouts = getattr(config, "timeouts", Timeouts())
    with audit_database(config, run, progress) as (target, dbname):
        _stages(config, state, target, dbname, timeouts, progress)
    run.duration_s = round(time.perf_counter() - started, 3)
    if state.catalog is not None and run.duration_s > 0:
        tables = len(state.catalog.tenant_tables())
        run.load["throughput"] = {
            "tenant_tables": tables,
            "tenant_tables_per_s": round(tables / run.duration_s, 2),
            "findings": len(state.findings),
        }
    # --- gate: suppressions and baseline mark findings, never drop them (findings/baseline.py)
    from .findings.baseline import gate

    findings = gate(state.findings, config)
    # --- end gate ---
    return AuditResult(
        run=run,
        findings=sort_findings(findings),
        checks=state.checks,
        catalog=state.catalog,
        fail_on=config.fail_on,
        matrix=state.matrix,
    )


def _stages(
    config: AuditConfig,
    state: Partial,
    target: Target,
    dbname: str,
    timeouts: Timeouts,
    progress: Progress,
) -> None:
    """The stages in order, each on sessions of its own, each allowed to fail alone."""
    run = state.run
    conninfo = target.conninfo(dbname)
    # --- trace: fingerprint a database audited in place, before the stages (trace.py)
    trace_before: list[Any] = []
    if config.dsn and config.schema is None:
        from .trace import take

        def before() -> None:
            progress("fingerprinting the database before the audit")
            trace_before.append(take(conninfo, config.tenant_column, lock_ms=timeouts.lock_ms))

        state.stage("trace", before, needs_catalog=False)
    # --- end trace
    _checked_stages(config, state, conninfo, timeouts, progress)
    # --- trace: ... and after them; the verdict goes into the report (trace.py)
    if trace_before:
        from .trace import faults, take, verdict

        def after() -> None:
            progress("fingerprinting the database after the audit")
            after = take(conninfo, config.tenant_column, lock_ms=timeouts.lock_ms)
            run.trace = verdict(trace_before[0], after)
            run.incomplete.extend(faults(run.trace))

        state.stage("trace", after, needs_catalog=False)
    # --- end trace


def _checked_stages(
    config: AuditConfig, state: Partial, conninfo: str, timeouts: Timeouts, progress: Progress
) -> None:
    """The catalog, then every stage that checks it."""
    run = state.run

    def catalog() -> None:
        progress("reading the catalog")
        try:
            conn = state.connect(conninfo, timeouts)
        except psycopg.Error as exc:
            dbname = psycopg.conninfo.conninfo_to_dict(conninfo).get("dbname")
            raise ConnectionFailed(
                f"cannot connect to database {dbname}: {first_line(exc)}"
            ) from None
        with conn:
            state.catalog = load_catalog(
                conn,
                tenant_column=config.tenant_column,
                exposed_schemas=config.exposed_schemas,
                api_roles=config.api_roles,
                tenant_guc=config.tenant_guc,
            )

    state.stage("catalog", catalog, needs_catalog=False)
    if state.catalog is None:
        return
    cat = state.catalog
    checks = [c for c in all_checks() if c.stage.value == "static"]
    progress(f"running {len(checks)} static checks")
    with state.timed("static"):
        state.findings.extend(run_checks(checks, cat))
    progress("linting the database's views and functions")
    with state.timed("lint"):
        state.findings.extend(lint_stage(cat, config.api_roles))
        if config.app_sql:
            progress(f"linting the application SQL in {len(config.app_sql)} path(s)")
            state.findings.extend(lint_app(cat, config.app_sql))
    state.checks = [*checks, *get_lint_rules()]
    # --- probes: the dynamic stage (harness/probes), in one rolled-back transaction;
    # --read-only runs only SELECTs on the rows the database already holds.
    if config.probes:
        from .probes import get_probes, run_probes
        from .probes.readonly import read_only_checks, run_read_only_probes

        def probes() -> None:
            run_stage = run_read_only_probes if run.read_only else run_probes
            result = run_stage(lambda: state.connect(conninfo, timeouts), cat, config, progress)
            state.findings.extend(result.findings)
            state.matrix = result.matrix
            run.load["probes"] = result.stats
            run.incomplete.extend(getattr(result, "faults", []))
            probe_checks = read_only_checks() if run.read_only else get_probes()
            state.checks = [*state.checks, *probe_checks]

        state.stage("probes", probes)
    # --- end probes
    # --- plans: EXPLAIN under the API role (harness/plans); after the probes, because on
    # a database the audit created it commits its generated rows (VACUUM needs them).
    if config.plans:
        from .plans import get_plan_checks, run_plan_stage
        from .plans.appsql import app_statements
        from .probes.stage import probe_config

        def plans() -> None:
            with state.connect(conninfo, timeouts) as plan_conn:
                result = run_plan_stage(
                    plan_conn,
                    cat,
                    ephemeral=config.schema is not None or not config.dsn,
                    seed=config.probe_seed,
                    rows=config.plan_rows,
                    tenant_guc=config.tenant_guc,
                    api_role=config.api_roles[0],
                    progress=progress,
                    app_queries=list(app_statements(config.app_sql)) if config.app_sql else None,
                    context=probe_config(config).context,
                )
            state.findings.extend(result.findings)
            run.load["plans"] = result.summary()
            run.incomplete.extend(getattr(result, "faults", []))
            state.checks = [*state.checks, *get_plan_checks()]

        state.stage("plans", plans)
    # --- end plans
