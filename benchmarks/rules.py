"""Static rules benchmark: every rule over a generated catalog of many tenant tables.

Builds the schema of `catalog_schema.generate_schema_sql` (tenant tables with 4 policies
each, created as the schema owner) on a throwaway server, snapshots the catalog once, and
times `run_checks` over all static rules. Each run starts cold: a fresh copy of the
catalog (so the shared per-catalog facts are recomputed) and empty parse caches.
Target: under 1 s for 1,000 tables. Prints figures, asserts nothing.

Run: python benchmarks/rules.py [--backend local] [--tables 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from catalog_schema import generate_schema_sql  # noqa: E402

from harness.audit import run_checks  # noqa: E402
from harness.catalog import Catalog, load_catalog  # noqa: E402
from harness.rules import _body, _predicate, _rewrite, get_rules  # noqa: E402
from harness.schema_loader import apply_script  # noqa: E402
from harness.target import start_target  # noqa: E402
from harness.target.janitor import build_template, clone, drop_database  # noqa: E402


def cold_copy(catalog: Catalog) -> Catalog:
    _predicate.parse.cache_clear()
    _predicate._analyse.cache_clear()
    _rewrite._wrap_per_row.cache_clear()
    _rewrite.guard_context_reads.cache_clear()
    _body.analyse.cache_clear()
    return dataclasses.replace(catalog)


def per_rule(catalog: Catalog) -> list[tuple[float, str]]:
    """Seconds per rule, each on a cold copy (so each pays the shared facts it needs)."""
    out = []
    for rule in get_rules():
        copy = cold_copy(catalog)
        started = time.perf_counter()
        list(rule().check(copy))
        out.append((time.perf_counter() - started, rule.id))
    return sorted(out, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="local")
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with start_target(args.backend) as target:
        print(f"backend {args.backend} (PostgreSQL {target.server_version})")
        blank, _ = build_template(target, None)
        db = clone(target, blank, purpose="bench")
        try:
            with psycopg.connect(target.conninfo(db), autocommit=True) as conn:
                started = time.perf_counter()
                conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier("postgres")))
                apply_script(conn, generate_schema_sql(args.tables), source="generated")
                conn.execute("RESET ROLE")
                elapsed = time.perf_counter() - started
                print(f"  generate {args.tables} tenant tables:  {elapsed:7.2f} s")
                started = time.perf_counter()
                catalog = load_catalog(conn)
                print(f"  catalog snapshot:               {time.perf_counter() - started:7.2f} s")
            print(
                f"  catalog: {len(catalog.tenant_tables())} tenant tables, "
                f"{len(catalog.policies)} policies, {len(catalog.grants)} grants, "
                f"{len(catalog.indexes)} indexes, {len(catalog.constraints)} constraints"
            )
            rules = get_rules()
            samples, cpu, findings = [], [], []
            for _ in range(args.repeat):
                copy = cold_copy(catalog)
                started, cpu_started = time.perf_counter(), time.process_time()
                findings = run_checks(rules, copy)
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            median = statistics.median(samples) * 1000
            print(
                f"  all {len(rules)} rules, cold: median {median:7.1f} ms"
                f"  min {min(samples) * 1000:7.1f} ms  max {max(samples) * 1000:7.1f} ms"
                f"  ({args.repeat} runs)"
            )
            print(
                f"  CPU time: median {statistics.median(cpu) * 1000:7.1f} ms;"
                f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
            )
            counts = sorted(Counter(f.rule for f in findings).items())
            print(f"  findings: {len(findings)} ({', '.join(f'{r} {n}' for r, n in counts)})")
            print("  slowest rules (cold, each alone):")
            for seconds, rule_id in per_rule(catalog)[:5]:
                print(f"    {rule_id}  {seconds * 1000:7.1f} ms")
        finally:
            drop_database(target, db)
            drop_database(target, blank)


if __name__ == "__main__":
    main()
