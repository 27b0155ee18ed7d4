"""The one interface every backend offers: a running server the audit may connect to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from psycopg.conninfo import conninfo_to_dict, make_conninfo


class Target(Protocol):
    """A PostgreSQL server, started by us or already running."""

    backend: str
    server_version: str
    server_version_num: int

    def conninfo(self, dbname: str | None = None) -> str:
        """Conninfo of the administrative login, optionally for another database."""
        ...

    def close(self) -> None:
        """Stop what we started; a no-op for servers we did not start."""
        ...


@dataclass
class ServerInfo:
    """What every target knows once its server answered a real query."""

    backend: str
    dsn: str
    server_version: str = ""
    server_version_num: int = 0
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def conninfo(self, dbname: str | None = None) -> str:
        if dbname is None:
            return self.dsn
        return make_conninfo(self.dsn, dbname=dbname)

    @property
    def dbname(self) -> str:
        return conninfo_to_dict(self.dsn).get("dbname") or "postgres"


class InfoBacked:
    """The Target protocol's read side, for backends that keep a ServerInfo once started."""

    info: ServerInfo | None

    @property
    def server_version(self) -> str:
        return self.info.server_version if self.info else ""

    @property
    def server_version_num(self) -> int:
        return self.info.server_version_num if self.info else 0

    def conninfo(self, dbname: str | None = None) -> str:
        assert self.info is not None, "server not started"
        return self.info.conninfo(dbname)


def redact(dsn: str) -> str:
    """The DSN without its password, fit for reports and logs."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return "<unparseable DSN>"
    if "password" in params:
        params["password"] = "***"
    return make_conninfo("", **params)
