"""Row values for one table and tenant, drawn from the catalog-derived column plans.

`RowBuilder` makes the values of rows before they are written: each column from its
plan with a random generator seeded from the run's seed and the table (Hypothesis only
supplies the examples of strategies the harness cannot sample itself, such as a CHECK's
pattern, once per column), and each foreign key from a parent row of the same tenant
already written, or from a fresh parent row drawn alongside. Writing the rows, and
learning from the ones the database rejects, is `Populator`'s job (population.py).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from hypothesis import strategies as st

from ..catalog import Catalog
from .scope import ForeignKey, Scope, TableScope
from .strategies import ColumnPlan, TypeInfo, plan_column, value_parts, wanted
from .world import SeedRow, World, draw

POOL = 16
"""Examples drawn once per column whose values only Hypothesis can make (patterns)."""

BuiltRow = tuple[str | None, dict[str, Any], list[tuple[str, dict[str, Any]]], list]
"""(owner, values, fresh parent rows, parents) of one row to write."""


def stable(text: str) -> int:
    """A seed offset from a name, the same in every process (unlike `hash`)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


class RowBuilder:
    """Draws the rows of the scope's tables for the world's tenants; writes nothing."""

    def __init__(
        self,
        catalog: Catalog,
        scope: Scope,
        world: World,
        types: dict[str, TypeInfo],
        seed_value: int,
    ) -> None:
        self.catalog = catalog
        self.scope = scope
        self.seed = seed_value
        self.world = world
        self.types = types
        """The base type of every column type the scope names (`resolve_types`)."""
        self.serial = 0
        self.simplest = False
        """Take each literal column's first choice: the last redraw of rejected rows."""
        self._pools: dict[tuple[Any, ...], list[Any]] = {}

    # -- plans -----------------------------------------------------------------------
    def plans(self, ts: TableScope) -> dict[str, ColumnPlan]:
        if ts.name not in self.world.plans:
            cons = ts.uniques + ts.checks
            self.world.plans[ts.name] = {
                c.name: plan_column(c, self.types.get(c.type, TypeInfo("unknown", "X")), cons)
                for c in ts.table.columns
            }
        return self.world.plans[ts.name]

    def key_columns(self, ts: TableScope) -> set[str]:
        keys = set(ts.fk_columns())
        if ts.tenant_key:
            keys.add(ts.tenant_key)
        plans = self.plans(ts)
        for u in ts.uniques:
            keys.update(c for c in u.columns if plans[c].info.base == "uuid")
        return keys

    # -- rows ------------------------------------------------------------------------
    def row_values(self, ts: TableScope, marker: str, rng: random.Random) -> dict[str, Any]:
        """One row's own values (not its keys to other tables) for the tenant's marker."""
        plans = self.plans(ts)
        keys = self.key_columns(ts)
        self.serial += 1
        out = {}
        for name, plan in plans.items():
            if name in ts.fk_columns() or name == ts.tenant_key:
                continue
            if not wanted(plan, key=name in keys):
                continue
            if self.simplest and plan.mode == "literal" and plan.literals:
                out[name] = plan.literals[0]  # the constraint's first choice
                continue
            parts = value_parts(plan)
            if parts.sample is not None:
                base = parts.sample(rng)
            else:
                base = rng.choice(self.pool(ts, plan))
            out[name] = parts.finish(base, marker, self.serial)
        return out

    def pool(self, ts: TableScope, plan: ColumnPlan) -> list[Any]:
        """Examples of a strategy the harness cannot sample itself, drawn once."""
        key = (ts.name, plan.name, plan.mode, plan.pattern)
        if key not in self._pools:
            base = value_parts(plan).base
            seed_value = self.seed * 1_000_003 + stable("|".join(map(str, key)))
            self._pools[key] = list(draw(st.lists(base, min_size=POOL, max_size=POOL), seed_value))
        return self._pools[key]

    def _candidates(
        self, fk: ForeignKey, owner: str | None, assigned: dict[str, Any], ts: TableScope
    ) -> list[tuple[int, SeedRow]]:
        parent = self.scope.tables.get(fk.ref_table)
        rows = self.world.rows.get(fk.ref_table, [])
        out = []
        for i, r in enumerate(rows):
            if parent is not None and parent.is_tenant and ts.is_tenant and r.owner != owner:
                continue
            if all(
                str(r.values.get(rc)) == str(assigned[c])
                for c, rc in zip(fk.columns, fk.ref_columns, strict=True)
                if c in assigned
            ):
                out.append((i, r))
        return out

    def _fresh_parent(self, fk: ForeignKey, owner: str | None) -> bool:
        parent = self.scope.tables.get(fk.ref_table)
        return (
            parent is not None
            and not parent.is_tenant
            and parent.table.schema not in self.catalog.exposed_schemas
        )

    def build_rows(
        self, ts: TableScope, owners: list[str | None], draw_seed: int
    ) -> list[BuiltRow]:
        """(owner, values, fresh parent rows, parents) for each owner slot."""
        markers = {t.id: t.marker for t in self.world.tenants}
        rng = random.Random(f"{self.seed}:{ts.name}:{draw_seed}")
        drawn = []
        for owner in owners:
            marker = markers.get(owner or "", "zqplatfm")
            drawn.append((self.row_values(ts, marker, rng), rng.randrange(1 << 30)))
        out = []
        for owner, (values, pick) in zip(owners, drawn, strict=True):
            values = dict(values)
            if ts.tenant_key:
                values[ts.tenant_key] = owner
            fresh: list[tuple[str, dict[str, Any]]] = []
            parents: list[tuple[str, int]] = []
            for k, fk in enumerate(ts.fks):
                deferred = (ts.name, fk.name) in self.scope.deferred
                if fk.ref_table == ts.name or deferred:
                    for c in fk.columns:
                        values.setdefault(c, None)
                    continue
                if self._fresh_parent(fk, owner):
                    parent_ts = self.scope.tables[fk.ref_table]
                    marker = markers.get(owner or "", "zqplatfm")
                    salt = draw_seed + 7919 * (k + 1)
                    prng = random.Random(f"{self.seed}:{parent_ts.name}:{salt}")
                    pvals = self.row_values(parent_ts, marker, prng)
                    for c, rc in zip(fk.columns, fk.ref_columns, strict=True):
                        if c in values and values[c] is not None:
                            pvals[rc] = values[c]
                        values[c] = pvals.get(rc)
                    fresh.append((fk.ref_table, pvals))
                    continue
                cands = self._candidates(fk, owner, values, ts)
                if not cands:
                    for c in fk.columns:
                        values.setdefault(c, None)
                    continue
                idx, parent = cands[(pick + k * 7) % len(cands)]
                parents.append((fk.ref_table, idx))
                for c, rc in zip(fk.columns, fk.ref_columns, strict=True):
                    values[c] = parent.values.get(rc)
            out.append((owner, values, fresh, parents))
        return out
