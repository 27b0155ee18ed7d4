"""Probe-stage benchmark: prints figures, asserts nothing.

- probe statements per second (every statement the probes run as an actor, each in its
  savepoint; the savepoint, role switch and oracle reads travel in the same pipelined
  flight and count in the probe stage's wall time, not as statements) next to
  `pgbench -S` (one client, read-only, like the probes' one connection) on the same
  server in the same run (target: at least a quarter of its rate); pgbench runs before
  and after, to show how noisy the machine is;
- the same per probe: the probes fire their statements in volleys (many flights in one
  pipeline, none waiting for another), so a probe's rate is bounded by what its
  statements cost the server: reads and refused writes run near pgbench's rate, while
  writes that succeed on the actor's own rows (broad UPDATE and DELETE, cascading and
  firing triggers) cost milliseconds each, and RLS114 is a state machine whose every step
  waits for the previous one;
- wall time and peak memory (resource.getrusage, this process) of the quick profile on
  the bundled schema (targets: under 60 s, under 500 MB).

Run: python benchmarks/probes.py [--backends local] [--tenants 20] [--seconds 5]
     [--profile quick|deep]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.catalog import load_catalog  # noqa: E402
from harness.errors import BackendUnavailable  # noqa: E402
from harness.probes.context import ProbeConfig  # noqa: E402
from harness.probes.stage import run_probes  # noqa: E402
from harness.target import start_target  # noqa: E402
from harness.target.janitor import (  # noqa: E402
    build_template,
    clone,
    create_database,
    drop_database,
    unique_name,
)

TPS = re.compile(r"tps = ([\d.]+) \(without initial connection time\)")


def pgbench_select(target, seconds: int) -> float:
    """Transactions per second of `pgbench -S` (one client) on a scale-1 database."""
    binary = (Path(target.bindir) / "initdb").resolve().parent / "pgbench"
    params = conninfo_to_dict(target.conninfo())
    env = dict(os.environ, PGHOST=str(params["host"]), PGPORT=str(params["port"]),
               PGUSER=str(params["user"]))  # fmt: skip
    name = unique_name("pgbench")
    create_database(target, name)
    try:
        run = [str(binary), "-i", "-s", "1", "-q", name]
        subprocess.run(run, env=env, capture_output=True, check=True, timeout=300)
        run = [str(binary), "-S", "-n", "-c", "1", "-T", str(seconds), name]
        proc = subprocess.run(run, env=env, capture_output=True, text=True, check=True,
                              timeout=seconds + 60)  # fmt: skip
        match = TPS.search(proc.stdout)
        if match is None:
            raise RuntimeError(f"unexpected pgbench output: {proc.stdout[-300:]}")
        return float(match.group(1))
    finally:
        drop_database(target, name)


def peak_mb() -> float:
    """Peak resident set of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_backend(backend: str, tenants: int, seconds: int, profile: str = "quick") -> None:
    print(f"\n== backend {backend}")
    try:
        target = start_target(backend)
    except BackendUnavailable as exc:
        print(f"   skipped: {exc}")
        return
    with target:
        print(f"   PostgreSQL {target.server_version}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        before = pgbench_select(target, seconds)
        print(f"   pgbench -S before: {before:,.0f} statements/s")
        template, _ = build_template(target, ROOT / "schema")
        name = clone(target, template, purpose="bench")
        try:
            conninfo = target.conninfo(name)
            started = time.perf_counter()
            with psycopg.connect(conninfo, autocommit=True) as conn:
                catalog = load_catalog(conn)
            result = run_probes(
                lambda: psycopg.connect(conninfo, autocommit=True),
                catalog,
                ProbeConfig(tenants=tenants, profile=profile),  # type: ignore[arg-type]
            )
            wall = time.perf_counter() - started
        finally:
            drop_database(target, name)
        after = pgbench_select(target, seconds)
        print(f"   pgbench -S after:  {after:,.0f} statements/s")
        stats = result.stats
        rate = stats["statements"] / stats["probe_s"]
        bare = stats["statements"] / max(stats["statement_seconds"], 1e-9)
        print(
            f"   probes: {stats['statements']:,} statements in {stats['probe_s']:.2f} s"
            f" = {rate:,.0f} statements/s (probe stage wall, savepoints, role switches and"
            f" checksums included); {bare:,.0f}/s counting statement time only"
        )
        best = max(before, after)
        print(f"   probes / pgbench -S: {rate / best:.3f} (target >= 0.25)")
        for check, figures in stats.get("checks", {}).items():
            count, spent = figures["statements"], figures["seconds"]
            if count:
                per = count / max(spent, 1e-9)
                print(
                    f"     {check}: {count:5,} statements in {spent:6.2f} s = {per:7,.0f}/s"
                    f" ({per / best:.3f} of pgbench -S)"
                )
        print(
            f"   {profile} profile, bundled schema, {stats['tenants']} tenants, {stats['rows']:,}"
            f" rows: {wall:.1f} s wall (catalog + populate {stats['populate_s']:.1f} s"
            f" + probes {stats['probe_s']:.1f} s; target < 60 s), peak memory"
            f" {peak_mb():.0f} MB (target < 500 MB), {len(result.findings)} finding(s)"
        )
        if result.faults:
            print(f"   faults ({len(result.faults)}): " + "; ".join(result.faults[:3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5, help="pgbench -S duration")
    parser.add_argument("--profile", choices=("quick", "deep"), default="quick")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        bench_backend(backend.strip(), args.tenants, args.seconds, args.profile)


if __name__ == "__main__":
    main()
