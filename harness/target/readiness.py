"""Readiness is a real query over the real transport, never a log line."""

from __future__ import annotations

import time

import psycopg

from ..errors import ConnectionFailed


def wait_ready(dsn: str, *, timeout: float = 30.0, what: str = "server") -> tuple[str, int]:
    """Poll `select` until it answers; return (server_version, server_version_num)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute(
                    "select current_setting('server_version'),"
                    " current_setting('server_version_num')::int"
                ).fetchone()
                assert row is not None
                return str(row[0]).split()[0], int(row[1])
        except psycopg.Error as exc:
            last = exc
        if time.monotonic() >= deadline:
            first = str(last).strip().splitlines()[0] if last else "no answer"
            raise ConnectionFailed(
                f"{what} did not answer a query within {timeout:.0f}s: {first}",
                hint="check that the server is running and accepts connections",
            )
        time.sleep(0.1)
