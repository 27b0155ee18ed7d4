"""`rls-audit export-pgtap`: turn what the audit verified into a pgTAP suite.

The export loads the schema (or opens --dsn) as an audit does, generates two tenants'
rows with the probe stage's populator, and runs every access attempt once, all inside
transactions that are rolled back: the database is left as it was. The suite replays
the same rows and attempts, so it checks exactly what the export observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .. import __version__, db
from ..audit import RunInfo, audit_database
from ..catalog import Catalog, load_catalog
from ..config import AuditConfig
from ..errors import AuditError
from ..probes.population import World, populate
from ..probes.scope import Scope, build_scope
from ..probes.stage import probe_config
from ..target.dsn import first_line
from .access import Attempt, helper_sql, plan_attempts
from .seed import Seed, seed_statements
from .structure import structure_tests
from .suite import ACCESS_FILE, STRUCTURE_FILE, TapFile, write_files

SEED = 0
"""Fixed, so that exporting the same schema twice writes the same suite."""


@dataclass(frozen=True)
class ExportedSuite:
    directory: Path
    files: tuple[Path, ...]
    structure_tests: int
    access_tests: int
    failing: tuple[str, ...] = ()
    """Assertions that fail on the exported database itself: what the audit found."""
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        total = self.structure_tests + self.access_tests
        lines = [
            f"export-pgtap: {total} tests ({self.structure_tests} structure, "
            f"{self.access_tests} access) in {len(self.files)} files under {self.directory}; "
            f"run: pg_prove -d DBNAME {self.directory}/*.sql"
        ]
        if self.failing:
            lines.append(f"export-pgtap: {len(self.failing)} fail on the exported database:")
            lines += [f"  not ok: {d}" for d in self.failing[:20]]
        for table, why in sorted(self.skipped.items()):
            lines.append(f"export-pgtap: no access tests for {table}: {why}")
        return "\n".join(lines)


def export_pgtap(config: AuditConfig, output: Path) -> ExportedSuite:
    run = RunInfo(tenant_column=config.tenant_column)
    spec = probe_config(config).context
    with (
        audit_database(config, run) as (target, dbname),
        db.connect(target.conninfo(dbname)) as conn,
    ):
        catalog = load_catalog(
            conn, tenant_column=config.tenant_column, exposed_schemas=config.exposed_schemas
        )
        scope = build_scope(catalog)
        known = {r.name for r in catalog.roles}
        roles = tuple(r for r in config.api_roles if r in known)
        with db.audit_transaction(conn):
            world = populate(conn, catalog, scope, tenants=2, seed_value=SEED)
            seed = seed_statements(conn, catalog, scope, world)
            attempts, contexts = plan_attempts(conn, catalog, scope, world, roles, spec)
        helper = helper_sql(contexts)
        observed = _observe(conn, seed, helper, attempts)
        access = _assertions(conn, attempts, observed)
    if run.incomplete:  # e.g. a scratch database on --dsn could not be dropped
        raise AuditError("export-pgtap: " + "; ".join(run.incomplete))
    structure = structure_tests(catalog, scope)
    header = _header(run, world, roles, seed)
    files = [
        TapFile(
            STRUCTURE_FILE,
            "RLS enabled and forced, policies per command and role",
            tuple(structure),
        ),
        TapFile(
            ACCESS_FILE,
            "the access matrix, run under the API roles with two generated tenants",
            tuple(access),
            setup=(*seed.statements, "", helper),
        ),
    ]
    written = write_files(output, files, header)
    leaks = [a.description for a, seen in zip(attempts, observed, strict=True) if a.leaked(seen)]
    failing = _structural_failures(catalog, scope) + leaks
    return ExportedSuite(
        directory=output,
        files=tuple(written),
        structure_tests=len(structure),
        access_tests=len(access),
        failing=tuple(failing),
        skipped=_skipped(catalog, scope, world),
    )


def _observe(
    conn: psycopg.Connection[Any], seed: Seed, helper: str, attempts: list[Attempt]
) -> list[str]:
    """Replay the seed (proving it replays) and run every attempt, as the suite will."""
    with db.audit_transaction(conn):
        for stmt in seed.statements:
            try:
                conn.execute(stmt)
            except psycopg.Error as exc:
                raise AuditError(
                    f"export-pgtap: a generated seed row does not replay: {first_line(exc)}",
                    hint=f"statement: {stmt[:200]}",
                ) from None
        conn.execute(helper)
        out = []
        for a in attempts:
            row = conn.execute(sql.SQL("SELECT {}").format(a.call(conn))).fetchone()
            out.append(str(row[0]) if row else "error none")
        return out


def _assertions(
    conn: psycopg.Connection[Any], attempts: list[Attempt], observed: list[str]
) -> list[str]:
    return [
        sql.SQL("SELECT is({}, {}, {});")
        .format(a.call(conn), sql.Literal(a.expected(seen)), sql.Literal(a.description))
        .as_string(conn)
        for a, seen in zip(attempts, observed, strict=True)
    ]


def _structural_failures(catalog: Catalog, scope: Scope) -> list[str]:
    out = []
    for ts in scope.tenant_tables():
        t = ts.table
        if t.schema not in catalog.exposed_schemas:
            continue
        if not t.rls_enabled:
            out.append(f"{t.qualified_name} has RLS enabled")
        if not t.rls_forced:
            out.append(f"{t.qualified_name} forces RLS")
    return out


def _skipped(catalog: Catalog, scope: Scope, world: World) -> dict[str, str]:
    a = world.tenants[0].id
    out = {}
    for ts in scope.tenant_tables():
        if ts.table.schema in catalog.exposed_schemas and not world.owned(ts.name, a):
            out[ts.name] = world.skipped.get(ts.name, "no generated row for tenant A")
    return out


def _header(run: RunInfo, world: World, roles: tuple[str, ...], seed: Seed) -> str:
    a, b = world.tenants[0].id, world.tenants[1].id
    return "\n".join(
        [
            f"Generated by rls-audit {__version__} export-pgtap from {_source(run)}",
            f"(PostgreSQL {run.server_version}). Regenerate it after a deliberate change.",
            "",
            f"Tenant A (the actor): {a}",
            f"Tenant B (the other): {b}",
            f"API roles: {', '.join(roles) or 'none'}; {seed.rows} generated rows.",
            "",
            "Run: pg_prove -d DBNAME DIR/*.sql   or   supabase test db",
            "The login must bypass RLS to write the rows (a superuser, or Supabase's",
            "postgres) and be able to SET ROLE to the API roles. Nothing is kept:",
            "every file ends with ROLLBACK.",
        ]
    )


def _source(run: RunInfo) -> str:
    """The schema directory as the user would name it (relative to here when inside)."""
    if run.schema is None:
        return run.target
    path = Path(run.schema)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path.name if path.is_absolute() else str(path)
