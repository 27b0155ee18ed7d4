"""An existing server, reached by the user's DSN; we never stop it."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..db import APPLICATION_NAME
from ..errors import ConfigError, ConnectionFailed
from .base import ServerInfo, redact


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_only_dsn(dsn: str) -> str:
    """The DSN with `default_transaction_read_only=on`: the server refuses every write of
    every session opened with it, whatever the audit's code does."""
    try:
        options = conninfo_to_dict(dsn).get("options") or ""
    except psycopg.ProgrammingError:
        return dsn  # ExistingServer refuses it with its own message
    return make_conninfo(dsn, options=f"{options} -c default_transaction_read_only=on".strip())


class ExistingServer:
    def __init__(self, dsn: str) -> None:
        try:
            conninfo_to_dict(dsn)
        except psycopg.ProgrammingError as exc:
            raise ConfigError(
                f"invalid DSN {dsn!r}: {first_line(exc)}",
                hint="use postgresql://user@host:port/dbname or 'host=... dbname=...'",
            ) from None
        self.backend = "dsn"
        if not conninfo_to_dict(dsn).get("application_name"):  # visible in pg_stat_activity
            dsn = make_conninfo(dsn, application_name=APPLICATION_NAME)
        self.info = ServerInfo(backend="dsn", dsn=dsn, description=f"existing server {redact(dsn)}")

    @property
    def server_version(self) -> str:
        return self.info.server_version

    @property
    def server_version_num(self) -> int:
        return self.info.server_version_num

    def conninfo(self, dbname: str | None = None) -> str:
        return self.info.conninfo(dbname)

    def start(self, *, timeout: float = 10.0) -> ExistingServer:
        try:
            with psycopg.connect(self.info.dsn, autocommit=True, connect_timeout=int(timeout)) as c:
                row = c.execute(
                    "select current_setting('server_version'),"
                    " current_setting('server_version_num')::int"
                ).fetchone()
        except psycopg.Error as exc:
            raise ConnectionFailed(
                f"cannot connect to {redact(self.info.dsn)}: {first_line(exc)}",
                hint="check host, port, user, password and database name",
            ) from None
        assert row is not None
        self.info.server_version = str(row[0]).split()[0]
        self.info.server_version_num = int(row[1])
        return self

    def close(self) -> None:
        return None

    def __enter__(self) -> ExistingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
