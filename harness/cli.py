"""Command line: parse arguments, call the library, choose the exit code.

Exit 0 when no finding reaches the threshold, 1 when one does, 2 on a usage, connection
or schema error, which is printed as one line without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from . import __version__
from .errors import AuditError

if TYPE_CHECKING:
    from .report.progress import ProgressView

SUBCOMMANDS = (
    "audit",
    "doctor",
    "rules",
    "explain",
    "fix",
    "lint",
    "snapshot",
    "diff",
    "export-pgtap",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"rls-audit: error: {message} (see rls-audit --help)\n")


def _audit_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="rls-audit",
        description="Audit row-level security isolation of a multi-tenant PostgreSQL schema.",
        epilog=(
            "Other commands: rls-audit doctor | rules | explain RULE | fix | lint PATH... |"
            " snapshot | diff BASE HEAD | export-pgtap (each with --help)"
        ),
    )
    p.add_argument("--version", action="version", version=f"rls-audit {__version__}")
    _target_options(p)
    p.add_argument(
        "--format", dest="formats", help="comma list: console,json,html,sarif,junit,md,github"
    )
    p.add_argument("--output", type=Path, help="directory for report files (default reports)")
    p.add_argument("--fail-on", help="lowest severity that fails the run (default high)")
    p.add_argument(
        "--baseline", type=Path, metavar="FILE", help="fail only on findings not in FILE"
    )
    p.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="record this run's findings in FILE"
    )
    _stage_options(p)
    p.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="with --dsn: read-only sessions; the probes only SELECT the rows there",
    )
    _timeout_options(p)
    p.add_argument("--config", type=Path, help="TOML file with a [tool.rls-audit] table")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    return p


def _target_options(p: argparse.ArgumentParser) -> None:
    """What to audit and where: shared by every command that runs the audit."""
    p.add_argument("--dsn", help="audit this existing database (libpq DSN or URL)")
    p.add_argument("--schema", type=Path, help="directory of .sql migrations to load and audit")
    p.add_argument("--backend", help="auto (default), docker, local or embedded")
    p.add_argument("--docker-image", help="image for the docker backend")
    p.add_argument("--tenant-column", help="column that holds the tenant (default tenant_id)")
    p.add_argument("--owner-role", help="role that owns the schema objects (default postgres)")


def _stage_options(p: argparse.ArgumentParser) -> None:
    """The probes (harness/probes) and the plan stage (harness/plans)."""
    p.add_argument("--no-probes", dest="probes", action="store_false", default=None,
                   help="skip the dynamic probes (static checks only)")  # fmt: skip
    p.add_argument("--profile", dest="probe_profile", help="probe profile: quick (default) or deep")
    p.add_argument("--tenants", dest="probe_tenants", type=int, help="tenants to generate")
    p.add_argument("--seed", dest="probe_seed", type=int, help="seed of the generated data")
    p.add_argument("--adversary", help="api (default) or sql: what the probing client may run")
    p.add_argument("--context", dest="context_mode", help="tenant context: guc, jwt or sql")
    p.add_argument("--jwt-claim", dest="jwt_claim_path", help="e.g. app_metadata.tenant_id")
    p.add_argument("--context-sql", help="SQL that sets the tenant, with %%(tenant)s")
    p.add_argument("--no-plans", dest="plans", action="store_false", default=None,
                   help="skip the plan stage (EXPLAIN under the API role)")  # fmt: skip
    p.add_argument("--plan-rows", type=int, help="rows generated before EXPLAIN (default 100000)")
    p.add_argument("--app-sql", metavar="PATHS",
                   help="comma list of application SQL files or directories (.sql, .py) to "
                   "lint and to EXPLAIN as each tenant")  # fmt: skip


def _timeout_options(p: argparse.ArgumentParser) -> None:
    """Timeouts of the audit's sessions: milliseconds, or a duration such as 5s (0: none)."""
    p.add_argument("--statement-timeout", metavar="DURATION",
                   help="cancel a statement of the audit after this long (default 5s)")  # fmt: skip
    p.add_argument("--lock-timeout", metavar="DURATION",
                   help="stop waiting for a lock another session holds (default 1s)")  # fmt: skip
    p.add_argument("--idle-timeout", metavar="DURATION",
                   help="idle_in_transaction_session_timeout (default 60s)")  # fmt: skip


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
    if config.write_baseline is not None and not result.complete:
        print(f"baseline: {config.write_baseline} not written: the audit is incomplete",
              file=sys.stderr)  # fmt: skip
    elif config.write_baseline is not None:  # record, then report them as baselined
        from .findings.baseline import rebaseline, write_baseline

        count = write_baseline(config.write_baseline, result.findings)
        result.findings = rebaseline(result.findings, config.write_baseline)
        if not args.quiet:
            print(f"baseline: {count} findings in {config.write_baseline}", file=sys.stderr)
    written = write_reports(result, config.formats, config.output)
    tty = sys.stdout.isatty()
    sys.stdout.write(terminal_output(result, config.formats, written, quiet=args.quiet, tty=tty))
    if not result.complete:  # whatever the findings: what did not run was not verified
        where = ", ".join([str(p) for p in written[:1]] + [p.name for p in written[1:]])
        reasons = "; ".join(result.run.incomplete)
        where = f"partial report written to {where}" if written else "no report file requested"
        print(f"rls-audit: audit incomplete: {reasons}; {where}", file=sys.stderr)
        return 2
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
    from .rules._reference import markdown, text_list

    p = _Parser(prog="rls-audit rules", description="List the checks.")
    p.add_argument("--format", choices=("text", "md"), default="text", help="md writes RULES.md")
    args = p.parse_args(argv)
    checks = all_checks()
    sys.stdout.write(markdown(checks) if args.format == "md" else text_list(checks))
    return 0


def cmd_explain(argv: list[str]) -> int:
    from .findings.registry import lookup
    from .rules._reference import explain

    p = _Parser(prog="rls-audit explain", description="Print one check's documentation.")
    p.add_argument("rule", help="id (RLS001) or name (rls-disabled)")
    args = p.parse_args(argv)
    check = lookup(args.rule)
    if check is None:
        print(f"rls-audit: error: no check {args.rule!r} (see rls-audit rules)", file=sys.stderr)
        return 2
    sys.stdout.write(explain(check))
    return 0


def cmd_fix(argv: list[str]) -> int:
    from .audit import audit
    from .config import resolve
    from .fix import write_migration

    p = _Parser(
        prog="rls-audit fix",
        description="Audit, then write the findings' fix SQL as one migration (never applied).",
    )
    p.add_argument("--output", type=Path, required=True, help="migration file to write")
    _target_options(p)
    _stage_options(p)
    _timeout_options(p)
    p.add_argument("--config", type=Path, help="TOML file with a [tool.rls-audit] table")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    args = p.parse_args(argv)
    options = {k: v for k, v in vars(args).items() if k not in ("config", "quiet", "output")}
    config = resolve(options, config_file=args.config)
    with _progress(args.quiet) as progress:
        result = audit(config, progress=progress)
    count = write_migration(result.findings, args.output, source=str(config.schema or "dsn"))
    if not args.quiet:
        print(f"fix: wrote {count} statements to {args.output} (review it; nothing was applied)")
    if not result.complete:
        reasons = "; ".join(result.run.incomplete)
        print(f"rls-audit: audit incomplete: {reasons}; {args.output} covers only what ran",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


def cmd_snapshot(argv: list[str]) -> int:
    from .config import resolve
    from .posture import PostureReader, parse_side, write_snapshot
    from .posture.options import add_server_options, server_options

    p = _Parser(prog="rls-audit snapshot", description="Write the security posture as JSON.")
    p.add_argument("source", nargs="?", help="schema directory or DSN (default ./schema)")
    p.add_argument("-o", "--output", type=Path, required=True, help="snapshot file to write")
    add_server_options(p)
    args = p.parse_args(argv)
    config = resolve(server_options(args), config_file=args.config)
    source = args.source or config.dsn or str(config.schema or "schema")
    write_snapshot(PostureReader(config).read(parse_side(source)), args.output)
    return 0


def cmd_diff(argv: list[str]) -> int:
    from .config import resolve
    from .errors import ConfigError
    from .posture import ChangeClass, PostureReader, diff, parse_side, render
    from .posture.options import add_server_options, server_options

    p = _Parser(prog="rls-audit diff", description="Classify posture changes from BASE to HEAD.")
    p.add_argument("base", help="snapshot file, schema directory or DSN")
    p.add_argument("head", help="snapshot file, schema directory or DSN")
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.add_argument("--summary", type=Path, metavar="FILE", help="also append Markdown to FILE")
    p.add_argument("--fail-on", metavar="CLASS", help="exit 1 on a change this bad or worse")
    add_server_options(p)
    args = p.parse_args(argv)
    try:
        threshold = ChangeClass.parse(args.fail_on) if args.fail_on else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    config = resolve(server_options(args), config_file=args.config)
    base, head = parse_side(args.base), parse_side(args.head)
    reader = PostureReader(config)
    result = diff(reader.read(base), reader.read(head))
    sys.stdout.write(render(result, args.format))
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as out:
            out.write(render(result, "md"))
    return 1 if threshold and result.at_least(threshold) else 0


def cmd_export_pgtap(argv: list[str]) -> int:
    from .config import resolve
    from .pgtap import export_pgtap
    from .posture.options import add_server_options, server_options

    p = _Parser(
        prog="rls-audit export-pgtap",
        description="Write a pgTAP suite pinning down what the audit verified.",
    )
    p.add_argument("--output", type=Path, required=True, help="directory for the .sql files")
    p.add_argument("--dsn", help="read this existing database (nothing is left in it)")
    p.add_argument("--schema", type=Path, help="directory of .sql migrations to load")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary")
    add_server_options(p)
    args = p.parse_args(argv)
    options = {**server_options(args), "dsn": args.dsn, "schema": args.schema}
    config = resolve(options, config_file=args.config)
    suite = export_pgtap(config, args.output)
    if not args.quiet:
        print(suite.summary())
    return 0


def cmd_lint(argv: list[str]) -> int:
    from .lint.cli import main as lint_main

    return lint_main(argv)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through every cleanup, like Ctrl-C


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    # psycopg logs "error ignored in rollback" when a session dies mid-transaction; the
    # audit reports that fault in its own one line, so the log record is not printed.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    command, rest = ("audit", argv)
    if argv and argv[0] in SUBCOMMANDS:
        command, rest = argv[0], argv[1:]
    handler = {
        "audit": cmd_audit,
        "doctor": cmd_doctor,
        "rules": cmd_rules,
        "explain": cmd_explain,
        "fix": cmd_fix,
        "lint": cmd_lint,
        "snapshot": cmd_snapshot,
        "diff": cmd_diff,
        "export-pgtap": cmd_export_pgtap,
    }[command]
    return guarded(handler, rest)


def guarded(handler: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run a command; every error a user can meet becomes one line and exit 2."""
    try:
        return handler(argv)
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
