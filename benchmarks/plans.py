"""Plan-stage benchmark: prints figures, asserts nothing.

- bulk load rate of the plan stage's generator (COPY, rows per second) next to
  `pgbench -i` on the same server in the same run (target: at least half its rate);
  pgbench runs before and after, to show how noisy the machine is;
- wall time of the whole plan stage on the bundled schema at --rows rows in all (default
  1,000,000): load, VACUUM ANALYZE, EXPLAIN of every tenant table as three tenants;
- the load's own split: Python generation (overlapping COPY) and the time spent
  re-creating the keys and indexes it drops for the load (as pgbench builds its one
  index after loading);
- with --diagnose, the same load into a clone without any index or key at all, which
  separates the generator's and COPY's cost from the rebuild.

Run: python benchmarks/plans.py [--backends local,embedded] [--rows 1000000] [--diagnose]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.catalog import load_catalog  # noqa: E402
from harness.errors import BackendUnavailable  # noqa: E402
from harness.plans import run_plan_stage  # noqa: E402
from harness.plans.volume import load_volume  # noqa: E402
from harness.target import start_target  # noqa: E402
from harness.target.janitor import (  # noqa: E402
    admin_connect,
    build_template,
    clone,
    create_database,
    drop_database,
    unique_name,
)

DONE = re.compile(r"done in ([\d.]+) s .*client-side generate ([\d.]+) s")


def pgbench(target, scale: int) -> tuple[int, float, float, int]:
    """Rows, total seconds, generate-step seconds and heap bytes of `pgbench -i`."""
    binary = (Path(target.bindir) / "initdb").resolve().parent / "pgbench"
    params = conninfo_to_dict(target.conninfo())
    name = unique_name("pgbench")
    create_database(target, name)
    env = dict(os.environ, PGHOST=str(params["host"]), PGPORT=str(params["port"]),
               PGUSER=str(params["user"]))  # fmt: skip
    try:
        proc = subprocess.run(
            [str(binary), "-i", "-s", str(scale), "-q", name],
            env=env, capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        match = DONE.search(proc.stderr)
        if match is None:
            raise RuntimeError(f"unexpected pgbench output: {proc.stderr[-300:]}")
        with admin_connect(target, name) as conn:
            heap = conn.execute(
                "select sum(pg_relation_size(c.oid)) from pg_class c"
                " where c.relname like 'pgbench%' and c.relkind = 'r'"
            ).fetchone()[0]
        return scale * 100_000, float(match.group(1)), float(match.group(2)), int(heap)
    finally:
        drop_database(target, name)


def heap_bytes(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "select sum(pg_relation_size(c.oid)) from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where c.relkind = 'r' and n.nspname in ('public', 'auth')"
    ).fetchone()
    return int(row[0] or 0)


def show_pgbench(label: str, result: tuple[int, float, float, int]) -> float:
    rows, total, generate, heap = result
    print(
        f"   pgbench -i {label}: {rows:,} rows in {total:.2f} s = {rows / total:,.0f} rows/s"
        f" ({heap / total / 1e6:.0f} MB/s of heap); generate step {rows / generate:,.0f} rows/s"
    )
    return rows / total


def drop_indexes(conn: psycopg.Connection) -> None:
    """Every index of the clone, constraints included (diagnosis only)."""
    catalog = load_catalog(conn)
    for kind in ("foreign key", "primary key", "unique"):
        for c in catalog.constraints:
            if c.type == kind and c.schema in ("public", "auth"):
                conn.execute(
                    sql.SQL("alter table {} drop constraint if exists {} cascade").format(
                        sql.Identifier(c.schema, c.table), sql.Identifier(c.name)
                    )
                )
    for index in catalog.indexes:
        if index.schema in ("public", "auth"):
            conn.execute(
                sql.SQL("drop index if exists {}").format(sql.Identifier(index.schema, index.name))
            )


def bench_backend(backend: str, rows: int, seed: int, diagnose: bool) -> None:
    print(f"\n== backend {backend}")
    try:
        target = start_target(backend)
    except BackendUnavailable as exc:
        print(f"   skipped: {exc}")
        return
    with target:
        print(f"   PostgreSQL {target.server_version}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        scale = max(1, rows // 100_000)
        before = show_pgbench("before", pgbench(target, scale))
        template, _ = build_template(target, ROOT / "schema")
        name = clone(target, template, purpose="bench")
        try:
            with psycopg.connect(target.conninfo(name), autocommit=True) as conn:
                catalog = load_catalog(conn)
                started = time.perf_counter()
                result = run_plan_stage(
                    conn, catalog, ephemeral=True, seed=seed, rows=rows, progress=print
                )
                wall = time.perf_counter() - started
                volume = result.volume
                heap = heap_bytes(conn)
        finally:
            drop_database(target, name)
        after = show_pgbench("after ", pgbench(target, scale))
        total = volume.rows + volume.extra_rows
        rate = volume.rows_per_second
        print(
            f"   plan-stage load: {total:,} rows ({volume.tenants} tenants)"
            f" in {volume.load_s:.2f} s = {rate:,.0f} rows/s"
            f" ({heap / volume.load_s / 1e6:.0f} MB/s of heap);"
            f" generator CPU {volume.generate_s:.2f} s, keys and indexes rebuilt in"
            f" {volume.rebuild_s:.2f} s"
        )
        print(f"   load / pgbench -i: {rate / max(before, after):.2f} (target >= 0.50)")
        explain = result.seconds - volume.load_s - volume.analyze_s
        print(
            f"   plan stage at {rows:,} rows: {wall:.1f} s wall = load {volume.load_s:.1f}"
            f" + VACUUM ANALYZE {volume.analyze_s:.1f} + EXPLAIN {explain:.1f}"
            f" ({len(result.plans)} plans, {len(result.findings)} findings)"
        )
        if diagnose:
            name = clone(target, template, purpose="bench")
            try:
                with psycopg.connect(target.conninfo(name), autocommit=True) as conn:
                    drop_indexes(conn)
                    bare = load_volume(conn, load_catalog(conn), rows=rows, seed=seed)
            finally:
                drop_database(target, name)
            print(
                f"   same load without any index: {bare.rows_per_second:,.0f} rows/s"
                f" ({bare.rows_per_second / max(before, after):.2f} of pgbench -i)"
            )
        drop_database(target, template)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--diagnose", action="store_true")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        bench_backend(backend.strip(), args.rows, args.seed, args.diagnose)


if __name__ == "__main__":
    main()
