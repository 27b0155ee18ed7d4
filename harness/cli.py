"""Command line: parse arguments, call the library, choose the exit code.

Exit 0 when no finding reaches the threshold, 1 when one does, 2 on a usage, connection
or schema error, which is printed as one line without a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from . import __version__
from .errors import AuditError

if TYPE_CHECKING:
    from .report.progress import ProgressView

SUBCOMMANDS = ("audit", "doctor", "rules", "explain")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"rls-audit: error: {message} (see rls-audit --help)\n")


def _audit_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="rls-audit",
        description="Audit row-level security isolation of a multi-tenant PostgreSQL schema.",
        epilog="Other commands: rls-audit doctor | rules | explain RULE",
    )
    p.add_argument("--version", action="version", version=f"rls-audit {__version__}")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--dsn", help="audit this existing database (libpq DSN or URL)")
    p.add_argument("--schema", type=Path, help="directory of .sql migrations to load and audit")
    p.add_argument("--backend", help="auto (default), docker, local or embedded")
    p.add_argument("--docker-image", help="image for the docker backend")
    p.add_argument("--tenant-column", help="column that holds the tenant (default tenant_id)")
    p.add_argument("--owner-role", help="role that owns the schema objects (default postgres)")
    p.add_argument(
        "--format", dest="formats", help="comma list: console,json,html,sarif,junit,md,github"
    )
    p.add_argument("--output", type=Path, help="directory for report files (default reports)")
    p.add_argument("--fail-on", help="lowest severity that fails the run (default high)")
    p.add_argument("--config", type=Path, help="TOML file with a [tool.rls-audit] table")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    return p


def _progress(quiet: bool) -> ProgressView:
    from .report.progress import ProgressView

    return ProgressView(sys.stderr, enabled=not quiet)


def cmd_audit(argv: list[str]) -> int:
    from .audit import audit
    from .config import resolve
    from .report import terminal_output, write_reports

    args = _audit_parser().parse_args(argv)
    options = {k: v for k, v in vars(args).items() if k not in ("config", "quiet")}
    config = resolve(options, config_file=args.config)
    with _progress(args.quiet) as progress:
        result = audit(config, progress=progress)
    written = write_reports(result, config.formats, config.output)
    tty = sys.stdout.isatty()
    sys.stdout.write(terminal_output(result, config.formats, written, quiet=args.quiet, tty=tty))
    return 0 if result.passed else 1


def cmd_doctor(argv: list[str]) -> int:
    from .doctor import doctor

    p = _Parser(prog="rls-audit doctor", description="Check and explain the prerequisites.")
    p.add_argument("--dsn", help="also check this server: version, roles, extensions")
    p.add_argument("--backend", default=None, help="start this backend and check it")
    args = p.parse_args(argv)
    return doctor(dsn=args.dsn, backend=args.backend)


def cmd_rules(argv: list[str]) -> int:
    from .findings.registry import all_checks

    p = _Parser(prog="rls-audit rules", description="List the checks.")
    p.parse_args(argv)
    for check in all_checks():
        print(f"{check.id}  {check.name:40} {check.severity.value:8} {check.doc.title}")
    return 0


def cmd_explain(argv: list[str]) -> int:
    from .findings.registry import lookup

    p = _Parser(prog="rls-audit explain", description="Print one check's documentation.")
    p.add_argument("rule", help="id (RLS001) or name (rls-disabled)")
    args = p.parse_args(argv)
    check = lookup(args.rule)
    if check is None:
        print(f"rls-audit: error: no check {args.rule!r} (see rls-audit rules)", file=sys.stderr)
        return 2
    print(f"{check.id} {check.name}: {check.doc.title}")
    print(
        f"severity {check.severity.value}, category {check.category.value}, "
        f"stage {check.stage.value}"
    )
    for heading, body in check.doc.sections.items():
        print(f"\n{heading}:\n{body}")
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through every cleanup, like Ctrl-C


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    command, rest = ("audit", argv)
    if argv and argv[0] in SUBCOMMANDS:
        command, rest = argv[0], argv[1:]
    handler = {
        "audit": cmd_audit,
        "doctor": cmd_doctor,
        "rules": cmd_rules,
        "explain": cmd_explain,
    }[command]
    try:
        return handler(rest)
    except AuditError as exc:
        print(f"rls-audit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except psycopg.Error as exc:  # the server went away or refused mid-run
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"rls-audit: error: database error: {first}", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("RLS_AUDIT_DEBUG"):
            raise
        print(
            f"rls-audit: error: internal error {type(exc).__name__}: {exc} "
            "(set RLS_AUDIT_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(
            "rls-audit: interrupted; servers and databases it created were removed", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
