"""The seeded world: the tenants drawn from the run's seed, and the rows written for them.

`Populator` (population.py) fills a `World`; the probes read it to know which rows each
tenant owns, which canary marks them, and which tables could not be filled and why.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .strategies import ColumnPlan

T = TypeVar("T")
SIZES = (1, 1, 1, 2, 2, 3, 6)
"""Rows per tenant and table: mostly small tenants, a few large ones (skew)."""


@dataclass(frozen=True, slots=True)
class Tenant:
    index: int
    id: str
    marker: str
    """The canary: every text value of this tenant carries it."""
    size: int


@dataclass(slots=True)
class SeedRow:
    table: str
    owner: str | None
    """Tenant id, or None for platform rows."""
    values: dict[str, Any]
    """The row as stored (RETURNING *)."""
    sent: dict[str, Any]
    parents: tuple[tuple[str, int], ...] = ()


@dataclass
class World:
    tenants: tuple[Tenant, ...]
    rows: dict[str, list[SeedRow]] = field(default_factory=lambda: defaultdict(list))
    skipped: dict[str, str] = field(default_factory=dict)
    faulted: dict[str, str] = field(default_factory=dict)
    """Tables another session kept the stage from (lock or statement timeout)."""
    plans: dict[str, dict[str, ColumnPlan]] = field(default_factory=dict)
    _ids: dict[str, str] = field(default_factory=dict)

    def tenant(self, tenant_id: str) -> Tenant:
        return next(t for t in self.tenants if t.id == tenant_id)

    def owned(self, table: str, tenant_id: str | None) -> list[SeedRow]:
        return [r for r in self.rows.get(table, ()) if r.owner == tenant_id]

    def markers(self) -> dict[str, str]:
        return {t.marker: t.id for t in self.tenants}

    def id_owners(self) -> dict[str, str]:
        """Every uuid value of a tenant's rows, mapped to that tenant."""
        if not self._ids:
            for t in self.tenants:
                self._ids[t.id] = t.id
            for rows in self.rows.values():
                for r in rows:
                    if r.owner is None:
                        continue
                    for v in r.values.values():
                        if isinstance(v, uuid.UUID):
                            self._ids.setdefault(str(v), r.owner)
        return self._ids


def draw(strategy: st.SearchStrategy[T], seed_value: int) -> T:
    """One value of `strategy`, reproducible from the seed (the second example: the first
    Hypothesis tries is the simplest one, all zeros)."""
    out: list[T] = []

    @seed(seed_value)
    @settings(
        max_examples=2,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: T) -> None:
        out.append(value)

    run()
    return out[-1]


def make_tenants(count: int, seed_value: int) -> tuple[Tenant, ...]:
    sizes = st.lists(st.sampled_from(SIZES), min_size=count, max_size=count)
    ids = st.lists(st.uuids(version=4), min_size=count, max_size=count, unique=True)
    drawn_sizes, drawn_ids = draw(st.tuples(sizes, ids), seed_value)
    out = []
    for i, (size, uid) in enumerate(zip(drawn_sizes, drawn_ids, strict=True)):
        marker = "zq" + hashlib.sha1(f"{seed_value}:{uid}".encode()).hexdigest()[:6]
        out.append(Tenant(i, str(uid), marker, size))
    if len({t.marker for t in out}) != len(out):  # astronomically rare; stay correct
        out = [replace(t, marker=f"zq{t.index:06x}") for t in out]
    return tuple(out)
