"""Template databases: load the schema once, clone it for every test or run, drop after."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import ConnectionFailed
from ..schema_loader import LoadReport, apply_shim, load_schema
from .base import Target
from .dsn import first_line

PREFIX = "rls_audit_"


def unique_name(purpose: str) -> str:
    return f"{PREFIX}{purpose}_{secrets.token_hex(4)}"


def admin_connect(target: Target, dbname: str | None = None) -> psycopg.Connection:
    try:
        return psycopg.connect(target.conninfo(dbname), autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise ConnectionFailed(
            f"cannot connect to {dbname or 'server'}: {first_line(exc)}"
        ) from None


def create_database(
    target: Target, name: str, *, template: str | None = None, owner: str | None = None
) -> None:
    parts = [sql.SQL("create database {}").format(sql.Identifier(name))]
    if template:
        # FILE_COPY: for small databases it beats WAL_LOG's page-by-page copy (PG15+).
        parts.append(sql.SQL("template {}").format(sql.Identifier(template)))
        if target.server_version_num >= 150000:
            parts.append(sql.SQL("strategy file_copy"))
    if owner:
        parts.append(sql.SQL("owner {}").format(sql.Identifier(owner)))
    with admin_connect(target) as conn:
        conn.execute(sql.SQL(" ").join(parts))


def drop_database(target: Target, name: str) -> None:
    with admin_connect(target) as conn:
        conn.execute(sql.SQL("alter database {} is_template false").format(sql.Identifier(name)))
        force = sql.SQL(" with (force)") if target.server_version_num >= 130000 else sql.SQL("")
        conn.execute(sql.SQL("drop database if exists {}{}").format(sql.Identifier(name), force))


def build_template(
    target: Target,
    schema_dir: Path | None,
    *,
    owner_role: str = "postgres",
    name: str | None = None,
) -> tuple[str, LoadReport | None]:
    """A template database holding the shim and, if given, the schema; dropped on failure."""
    name = name or unique_name("tpl")
    create_database(target, name)
    try:
        with admin_connect(target, name) as conn:
            if schema_dir is None:
                apply_shim(conn, owner_role=owner_role)
                report = None
            else:
                report = load_schema(conn, schema_dir, owner_role=owner_role)
            conn.execute("analyze")
        with admin_connect(target) as conn:
            conn.execute(
                sql.SQL("alter database {} owner to {}").format(
                    sql.Identifier(name), sql.Identifier(owner_role)
                )
            )
            conn.execute(sql.SQL("alter database {} is_template true").format(sql.Identifier(name)))
    except BaseException:
        drop_database(target, name)
        raise
    return name, report


def clone(
    target: Target, template: str, *, owner_role: str = "postgres", purpose: str = "db"
) -> str:
    name = unique_name(purpose)
    create_database(target, name, template=template, owner=owner_role)
    return name


@contextmanager
def cloned(target: Target, template: str, *, owner_role: str = "postgres") -> Iterator[str]:
    name = clone(target, template, owner_role=owner_role)
    try:
        yield name
    finally:
        drop_database(target, name)
