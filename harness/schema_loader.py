"""Apply a directory of .sql migrations through psycopg, in name order.

The Supabase compatibility shim runs first as the connecting (administrative) role; the
migrations then run as the schema owner role, so that ownership, default privileges and
SECURITY DEFINER functions behave as in production. Each file runs in one transaction,
except statements PostgreSQL refuses inside one (CREATE INDEX CONCURRENTLY, ...), which
run on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql

from .errors import ConfigError, SchemaLoadError
from .sqlsplit import SplitError, Statement, split_statements

NON_TRANSACTIONAL = re.compile(
    r"""^\s*(
        (CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY
      | REINDEX\b.*\bCONCURRENTLY
      | VACUUM\b
      | (CREATE|DROP)\s+(DATABASE|TABLESPACE)\b
      | ALTER\s+SYSTEM\b
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
OWNER_GUC = "rls_audit.owner_role"


@dataclass(frozen=True, slots=True)
class LoadReport:
    files: tuple[str, ...]
    statements: int


def shim_sql() -> str:
    """The Supabase compatibility shim shipped with the package."""
    return resources.files("harness").joinpath("compat/supabase.sql").read_text("utf-8")


def schema_files(directory: Path) -> list[Path]:
    """The migrations of a schema directory: its top-level *.sql files, in name order."""
    if not directory.exists():
        raise ConfigError(
            f"schema directory {directory} does not exist",
            hint="pass --schema DIR with a directory of .sql files",
        )
    if not directory.is_dir():
        raise ConfigError(f"schema path {directory} is not a directory")
    files = sorted(p for p in directory.glob("*.sql") if p.is_file())
    if not files:
        raise ConfigError(
            f"schema directory {directory} holds no .sql files",
            hint="migrations are applied in name order: 0001_init.sql, 0002_...",
        )
    return files


def _segments(statements: Iterable[Statement]) -> Iterator[tuple[bool, list[Statement]]]:
    """Group statements into (transactional, statements) runs."""
    batch: list[Statement] = []
    for stmt in statements:
        if NON_TRANSACTIONAL.match(stmt.text):
            if batch:
                yield True, batch
                batch = []
            yield False, [stmt]
        else:
            batch.append(stmt)
    if batch:
        yield True, batch


def _fail(exc: psycopg.Error, stmt: Statement, source: str) -> SchemaLoadError:
    diag = exc.diag
    primary = diag.message_primary or str(exc).strip().splitlines()[0]
    line = stmt.line
    if diag.statement_position:
        line += stmt.text[: int(diag.statement_position) - 1].count("\n")
    first = " ".join(stmt.text.split())
    snippet = first if len(first) <= 120 else first[:117] + "..."
    return SchemaLoadError(
        f"{source}:{line}: {primary} in: {snippet}",
        path=source,
        line=line,
        statement=stmt.text,
        hint=diag.message_hint,
    )


def apply_script(conn: psycopg.Connection, script: str, *, source: str) -> int:
    """Run every statement of `script` on an autocommit connection; stop at the first error."""
    try:
        statements = list(split_statements(script))
    except SplitError as exc:
        raise SchemaLoadError(
            f"{source}:{exc.line}: {exc}", path=source, line=exc.line, statement=""
        ) from None
    for transactional, batch in _segments(statements):
        stmt = batch[0]
        try:
            if transactional:
                with conn.transaction():
                    for stmt in batch:
                        conn.execute(sql.SQL(stmt.text))  # type: ignore[arg-type]
            else:
                conn.execute(sql.SQL(stmt.text))  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise _fail(exc, stmt, source) from None
    return len(statements)


def apply_shim(conn: psycopg.Connection, *, owner_role: str) -> int:
    """Create the API roles, the auth schema and the owner role where they are missing."""
    conn.execute("select set_config(%s, %s, false)", (OWNER_GUC, owner_role))
    return apply_script(conn, shim_sql(), source="harness/compat/supabase.sql")


def load_schema(
    conn: psycopg.Connection, directory: Path, *, owner_role: str = "postgres", shim: bool = True
) -> LoadReport:
    """Apply the shim (optionally) and then every migration of `directory` as `owner_role`."""
    files = schema_files(directory)
    count = apply_shim(conn, owner_role=owner_role) if shim else 0
    conn.execute(sql.SQL("set role {}").format(sql.Identifier(owner_role)))
    try:
        for path in files:
            try:
                script = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read schema file {path}: {exc}") from None
            if "\x00" in script:  # the server would see the text cut short at the NUL
                line = script.count("\n", 0, script.index("\x00")) + 1
                raise ConfigError(f"cannot read schema file {path}: NUL byte at line {line}")
            count += apply_script(conn, script, source=str(path))
    finally:
        if not conn.closed and conn.info.transaction_status == conn.info.transaction_status.IDLE:
            conn.execute("reset role")
    return LoadReport(files=tuple(str(p) for p in files), statements=count)
