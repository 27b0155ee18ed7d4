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
from .errors import ConfigError, ConnectionFailed
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
    with ExitStack() as stack:
        progress(f"starting backend {config.backend if not config.dsn else 'dsn'}")
        dsn = config.dsn
        # --- read-only: every session gets default_transaction_read_only (target/dsn.py)
        if getattr(config, "read_only", False):
            if not dsn or config.schema is not None:
                raise ConfigError("--read-only audits a database in place: --dsn, no --schema")
            dsn, run.read_only = read_only_dsn(dsn), True
            run.load["probes"] = {"skipped": "--read-only: the probes write, they did not run"}
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
        stack.callback(drop_database, target, template)
        run.load = _load_summary(report, time.perf_counter() - started)
        dbname = clone(target, template, owner_role=config.owner_role, purpose="run")
        stack.callback(drop_database, target, dbname)
        run.database = dbname
        yield target, dbname


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
    """Run the audit described by `config` and return its findings; writes no report."""
    run = RunInfo(
        tenant_column=config.tenant_column,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    started = time.perf_counter()
    checks = [c for c in all_checks() if c.stage.value == "static"]
    with audit_database(config, run, progress) as (target, dbname):
        # --- trace: fingerprint a database audited in place, before the stages (trace.py)
        trace_before = None
        if config.dsn and config.schema is None:
            from .trace import take

            progress("fingerprinting the database before the audit")
            trace_before = take(target.conninfo(dbname), config.tenant_column)
        # --- end trace
        progress("reading the catalog")
        try:
            conn = psycopg.connect(target.conninfo(dbname), autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConnectionFailed(
                f"cannot connect to database {dbname}: {first_line(exc)}"
            ) from None
        with conn:
            catalog = load_catalog(
                conn, tenant_column=config.tenant_column, exposed_schemas=config.exposed_schemas
            )
        progress(f"running {len(checks)} static checks")
        findings = run_checks(checks, catalog)
        progress("linting the database's views and functions")
        findings.extend(lint_stage(catalog, config.api_roles))
        checks = [*checks, *get_lint_rules()]
        # --- probes: the dynamic stage (harness/probes), in one rolled-back transaction
        matrix = None
        if config.probes and not run.read_only:  # probes write: not here
            from .probes import get_probes, run_probes

            def conn_factory() -> psycopg.Connection:
                return psycopg.connect(target.conninfo(dbname), autocommit=True, connect_timeout=10)

            probe_result = run_probes(conn_factory, catalog, config, progress)
            findings.extend(probe_result.findings)
            matrix = probe_result.matrix
            run.load["probes"] = probe_result.stats
            checks = [*checks, *get_probes()]
        # --- end probes
        # --- plans: EXPLAIN under the API role (harness/plans); after the probes, because on
        # a database the audit created it commits its generated rows (VACUUM needs them).
        if config.plans:
            from .plans import get_plan_checks, run_plan_stage

            with psycopg.connect(
                target.conninfo(dbname), autocommit=True, connect_timeout=10
            ) as plan_conn:
                plan_result = run_plan_stage(
                    plan_conn,
                    catalog,
                    ephemeral=config.schema is not None or not config.dsn,
                    seed=config.probe_seed,
                    rows=config.plan_rows,
                    tenant_guc=config.tenant_guc,
                    api_role=config.api_roles[0],
                    progress=progress,
                )
            findings.extend(plan_result.findings)
            run.load["plans"] = plan_result.summary()
            checks = [*checks, *get_plan_checks()]
        # --- end plans
        # --- trace: ... and after them; the verdict goes into the report (trace.py)
        if trace_before is not None:
            from .trace import take, verdict

            progress("fingerprinting the database after the audit")
            run.trace = verdict(trace_before, take(target.conninfo(dbname), config.tenant_column))
        # --- end trace
    run.duration_s = round(time.perf_counter() - started, 3)
    # --- gate: suppressions and baseline mark findings, never drop them (findings/baseline.py)
    from .findings.baseline import gate

    findings = gate(findings, config)
    # --- end gate ---
    return AuditResult(
        run=run,
        findings=sort_findings(findings),
        checks=checks,
        catalog=catalog,
        fail_on=config.fail_on,
        matrix=matrix,
    )
