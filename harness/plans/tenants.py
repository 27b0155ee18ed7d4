"""Which tenants the plans are taken as: a skewed population we generate, or the live one.

Generated: a few very large tenants, a fifth of medium ones, many small ones, as real
multi-tenant data looks. Live (--dsn): the most common tenant values in pg_stats give the
large and medium tenants; a fresh value stands for a typical small tenant, since plain
EXPLAIN only needs the planner's estimate for it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from ..catalog import Table
from .model import SizeClass, TableSample, TenantSample

LARGE_TENANTS = 3
LARGE_SHARE, MEDIUM_SHARE = 0.24, 0.40
"""Three tenants hold a quarter of the rows, a fifth of the tenants hold 40 %."""


@dataclass(frozen=True, slots=True)
class Population:
    """The generated tenants, their share of every table, and one of each size class."""

    tenants: tuple[str, ...]
    weights: tuple[float, ...]
    classes: tuple[tuple[SizeClass, int], ...]
    """(size class, index into `tenants`) of the tenant each class is judged at."""


def tenant_count(rows: int) -> int:
    """About one tenant per 400 rows, between 12 and 300."""
    return max(12, min(300, rows // 400))


def population(rows: int, rng: random.Random, value_kind: str = "uuid") -> Population:
    count = tenant_count(rows)
    medium = max(4, count // 5)
    small = count - LARGE_TENANTS - medium
    weights = (
        [LARGE_SHARE / LARGE_TENANTS * rng.uniform(0.8, 1.2) for _ in range(LARGE_TENANTS)]
        + [MEDIUM_SHARE / medium * rng.uniform(0.5, 1.5) for _ in range(medium)]
        + [(1 - LARGE_SHARE - MEDIUM_SHARE) / small * rng.uniform(0.5, 1.5) for _ in range(small)]
    )
    tenants = [tenant_value(value_kind, i, rng) for i in range(count)]
    ranked = sorted(range(count), key=lambda i: -weights[i])
    classes: tuple[tuple[SizeClass, int], ...] = (
        ("large", ranked[0]),
        ("medium", ranked[LARGE_TENANTS + medium // 2]),
        ("small", ranked[-1]),
    )
    return Population(tuple(tenants), tuple(weights), classes)


def tenant_value(kind: str, index: int, rng: random.Random) -> str:
    if kind == "int":
        return str(index + 1)
    if kind == "text":
        return f"tenant-{index + 1}"
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def allocate(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """`total` split by weight (largest remainder), each at least `minimum` when it fits."""
    floor = minimum if total >= minimum * len(weights) else 0
    rest = total - floor * len(weights)
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: rest - sum(counts)]:
        counts[i] += 1
    return [c + floor for c in counts]


def live_samples(
    conn: psycopg.Connection[Any], tables: Sequence[Table], column: str, seed: int
) -> list[TableSample]:
    """Size classes from the live statistics, read-only: pg_class and pg_stats."""
    rng = random.Random(seed)
    samples = []
    for table in tables:
        reltuples, common = _statistics(conn, table, column)
        rows = max(int(reltuples), 0)
        tenants: list[TenantSample] = []
        if common:
            top, mid = common[0], common[len(common) // 2]
            tenants.append(TenantSample("large", top[0], int(top[1] * rows)))
            if len(common) > 2:
                tenants.append(TenantSample("medium", mid[0], int(mid[1] * rows)))
        small = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        col = table.column(column)
        kind = col.type if col else "uuid"
        if kind != "uuid":
            small = "-1" if kind in ("integer", "bigint", "smallint") else "rls-audit-none"
        tenants.append(TenantSample("small", small, None))
        samples.append(TableSample(table.qualified_name, rows, tuple(tenants), "statistics"))
    return samples


def _statistics(
    conn: psycopg.Connection[Any], table: Table, column: str
) -> tuple[float, list[tuple[str, float]]]:
    row = conn.execute(
        "SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = %s", (table.oid,)
    ).fetchone()
    common = conn.execute(
        "SELECT m.value, m.freq FROM pg_catalog.pg_stats s,"
        " LATERAL ROWS FROM (pg_catalog.unnest(s.most_common_vals::text::text[]),"
        "                    pg_catalog.unnest(s.most_common_freqs)) AS m(value, freq)"
        " WHERE s.schemaname = %s AND s.tablename = %s AND s.attname = %s AND s.inherited = %s"
        " ORDER BY m.freq DESC, m.value",
        (table.schema, table.name, column, table.kind == "partitioned table"),
    ).fetchall()
    return (float(row[0]) if row else 0.0), [(str(v), float(f)) for v, f in common]
