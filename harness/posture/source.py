"""Where a posture comes from: a saved snapshot, a schema directory, or a live database.

A schema directory is loaded into a template database on a throwaway server (started
once, shared by both sides of a diff) and read from there; a DSN is read in place, in a
read-only transaction; a snapshot file is read as it is.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import psycopg

from ..catalog import load_catalog
from ..config import AuditConfig
from ..errors import ConfigError, ConnectionFailed
from ..files import write_atomically
from ..target import redact, start_target
from ..target.dsn import first_line
from ..target.janitor import build_template
from .extract import posture_of
from .model import Posture

SideKind = Literal["snapshot", "schema", "dsn"]


@dataclass(frozen=True, slots=True)
class Side:
    spec: str
    kind: SideKind

    @property
    def label(self) -> str:
        return redact(self.spec) if self.kind == "dsn" else self.spec


def parse_side(spec: str) -> Side:
    """A snapshot file, a schema directory, or a DSN, in that order of checking."""
    path = Path(spec)
    if path.is_file():
        return Side(spec, "snapshot")
    if path.is_dir():
        return Side(spec, "schema")
    if spec.startswith(("postgresql://", "postgres://")) or "=" in spec:
        return Side(spec, "dsn")
    raise ConfigError(
        f"{spec} is neither a snapshot file, a schema directory nor a DSN",
        hint="pass a file written by `rls-audit snapshot`, a directory of .sql files, "
        "or postgresql://...",
    )


def load_snapshot(path: Path) -> Posture:
    try:
        doc = json.loads(path.read_text("utf-8"))
        posture = Posture.from_dict(doc)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read snapshot {path}: {exc}") from None
    meta = {**posture.meta, "source": str(path), "snapshot_of": posture.meta.get("source")}
    return replace(posture, meta=meta)


def write_snapshot(posture: Posture, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(posture.to_dict(), indent=2) + "\n")


class PostureReader:
    """Reads the postures of sides; every server it starts is stopped before it returns.

    Each schema directory gets a server of its own: roles and memberships are global to
    a server, so two schemas loaded side by side would see each other's roles.
    """

    def __init__(self, config: AuditConfig) -> None:
        self.config = config

    def read(self, side: Side) -> Posture:
        if side.kind == "snapshot":
            return load_snapshot(Path(side.spec))
        if side.kind == "dsn":
            return self._read_conninfo(side.spec, side.label)
        cfg = self.config
        with closing(start_target(cfg.backend, image=cfg.docker_image)) as target:
            template, _ = build_template(target, Path(side.spec), owner_role=cfg.owner_role)
            return self._read_conninfo(target.conninfo(template), side.label)

    def _read_conninfo(self, conninfo: str, label: str) -> Posture:
        try:
            conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConnectionFailed(f"cannot connect to {label}: {first_line(exc)}") from None
        with conn:
            catalog = load_catalog(
                conn,
                tenant_column=self.config.tenant_column,
                exposed_schemas=self.config.exposed_schemas,
            )
        return posture_of(catalog, api_roles=self.config.api_roles, source=label)
