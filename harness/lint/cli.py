"""`rls-audit lint PATH... [--schema DIR | --dsn DSN] [--tenant-column NAME]
[--format console|json] [--fail-on SEVERITY] [--jobs N|auto]`.

Exit 0 when no unsuppressed finding reaches the threshold, 1 when one does, 2 on a usage
or input error, printed as one line `rls-audit: error: ...` without a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..config import AuditConfig, resolve
from ..errors import ConfigError
from .ddl import tenant_tables_from_ddl
from .parallel import lint_parallel
from .report import gating, render_console, render_json
from .sources import Source
from .tenants import TenantTables


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"rls-audit: error: {message} (see rls-audit lint --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="rls-audit lint",
        description="Check that application SQL restricts every tenant table by tenant.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=".sql/.py files or directories")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--schema", type=Path, help="migrations declaring the tenant tables")
    where.add_argument(
        "--dsn",
        help="read tenant tables, views, functions and pg_stat_statements from this database",
    )
    p.add_argument("--tenant-column", help="column that holds the tenant (default tenant_id)")
    p.add_argument("--format", choices=("console", "json"), default="console")
    p.add_argument("--fail-on", help="lowest severity that fails the run (default high)")
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N|auto",
        help="processes to lint with (default auto: every CPU for a large input, else 1)",
    )
    return p


def _jobs(value: str) -> int | None:
    if value.strip().lower() == "auto":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"--jobs takes a number of processes or auto, not {value!r}"
        )
    return n


def _note(message: str) -> None:
    print(f"rls-audit: note: {message}", file=sys.stderr)


def _inputs(
    args: argparse.Namespace, config: AuditConfig
) -> tuple[TenantTables, list[Source], list[str]]:
    """Tenant tables, plus the database's own SQL with --dsn, plus notes for the user."""
    dsn = args.dsn or (None if args.schema else config.dsn)
    if dsn:
        from .live import live_inputs

        live = live_inputs(dsn, tenant_column=config.tenant_column)
        return live.tenants, live.sources, live.notes
    schema = args.schema or config.schema or Path("schema")
    if not schema.exists():
        raise ConfigError(
            f"no schema to find tenant tables in: {schema} does not exist",
            hint="pass --schema DIR (migrations) or --dsn DSN",
        )
    tenants = tenant_tables_from_ddl([schema], tenant_column=config.tenant_column)
    notes = [f"DDL not understood, tenant tables may be missing: {s}" for s in tenants.skipped]
    return tenants, [], notes


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    config = resolve({"tenant_column": args.tenant_column, "fail_on": args.fail_on})
    if not args.paths and not (args.dsn or config.dsn):
        raise ConfigError("nothing to lint", hint="pass PATH... (or --dsn for the database's SQL)")
    started = time.perf_counter()
    tenants, extra, notes = _inputs(args, config)
    if not tenants.tables:
        raise ConfigError(
            f"no tenant tables with column {tenants.tenant_column!r} in {tenants.origin}",
            hint="check --tenant-column",
        )
    result = lint_parallel(tenants, args.paths, extra, args.jobs)
    result.notes.extend(notes)
    for note in result.notes:
        _note(note)
    duration = time.perf_counter() - started
    render = render_json if args.format == "json" else render_console
    sys.stdout.write(render(result, config.fail_on, duration))
    return 1 if gating(result.findings, config.fail_on) else 0


def main(argv: list[str]) -> int:
    from ..cli import guarded

    def run_or_usage(args: list[str]) -> int:
        try:
            return run(args)
        except SystemExit as exc:  # argparse: --help (0) or a usage error, already printed (2)
            return exc.code if isinstance(exc.code, int) else 2

    return guarded(run_or_usage, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
