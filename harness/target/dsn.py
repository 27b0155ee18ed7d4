"""An existing server, reached by the user's DSN; we never stop it."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import ConfigError, ConnectionFailed
from .base import ServerInfo, redact


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
