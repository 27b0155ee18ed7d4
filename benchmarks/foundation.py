"""Foundation benchmark: prints figures, asserts nothing.

- time to start each backend and to load the bundled schema into a template;
- time to clone the template into a fresh database (target: under 0.3 s), with both
  CREATE DATABASE strategies measured side by side;
- catalog snapshot time for the bundled schema and for a generated schema of 1,000
  tenant tables (target: under 1 s).

Run: python benchmarks/foundation.py [--backends local,embedded] [--tables 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness.catalog import load_catalog  # noqa: E402
from harness.errors import BackendUnavailable  # noqa: E402
from harness.schema_loader import apply_script  # noqa: E402
from harness.target import start_target  # noqa: E402
from harness.target.janitor import (  # noqa: E402
    admin_connect,
    build_template,
    drop_database,
    unique_name,
)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def fmt(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:8.1f} ms  min {min(samples) * 1000:8.1f} ms"


def clone_times(target, template: str, strategy: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        name = unique_name("bench")
        stmt = sql.SQL("create database {} template {} strategy {}").format(
            sql.Identifier(name), sql.Identifier(template), sql.SQL(strategy)
        )
        with admin_connect(target) as conn:
            started = time.perf_counter()
            conn.execute(stmt)
            samples.append(time.perf_counter() - started)
        drop_database(target, name)
    return samples


def snapshot_times(target, dbname: str, repeat: int) -> tuple[list[float], int]:
    with psycopg.connect(target.conninfo(dbname), autocommit=True) as conn:
        catalog = load_catalog(conn)
        samples = timed(lambda: load_catalog(conn), repeat)
    return samples, len(catalog.tenant_tables())


def bench_backend(backend: str, tables: int, repeat: int) -> None:
    print(f"\n== backend {backend}")
    started = time.perf_counter()
    try:
        target = start_target(backend)
    except BackendUnavailable as exc:
        print(f"   skipped: {exc}")
        return
    with target:
        print(
            f"   start ({target.server_version}):            {time.perf_counter() - started:8.2f} s"
        )
        started = time.perf_counter()
        template, report = build_template(target, ROOT / "schema")
        assert report is not None
        print(
            f"   load bundled schema ({report.statements} statements): "
            f"{time.perf_counter() - started:8.2f} s"
        )
        for strategy in ("file_copy", "wal_log"):
            samples = clone_times(target, template, strategy, repeat)
            print(f"   clone template, {strategy:9}:  {fmt(samples)}")
        snap = template_clone(target, template)
        samples, n = snapshot_times(target, snap, repeat)
        drop_database(target, snap)
        print(f"   catalog snapshot, bundled ({n} tenant tables): {fmt(samples)}")

        from catalog_schema import generate_schema_sql

        big = unique_name("big")
        blank, _ = build_template(target, None)
        with admin_connect(target) as conn:
            conn.execute(
                sql.SQL("create database {} template {}").format(
                    sql.Identifier(big), sql.Identifier(blank)
                )
            )
        try:
            with psycopg.connect(target.conninfo(big), autocommit=True) as conn:
                started = time.perf_counter()
                apply_script(conn, generate_schema_sql(tables), source="generated")
                elapsed = time.perf_counter() - started
                print(f"   generate {tables} tenant tables:       {elapsed:8.2f} s")
            samples, n = snapshot_times(target, big, repeat)
            print(f"   catalog snapshot, generated ({n} tenant tables): {fmt(samples)}")
        finally:
            drop_database(target, big)


def template_clone(target, template: str) -> str:
    name = unique_name("snap")
    with admin_connect(target) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local,embedded,docker")
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        bench_backend(backend.strip(), args.tables, args.repeat)


if __name__ == "__main__":
    main()
