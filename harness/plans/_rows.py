"""The rows of one table: which columns to fill and how, then whole batches of them.

A column is left to its default where the schema has one (unless it is a time, spread
out for realistic sorting, or needed for a unique key), NULL where it may be and a CHECK
or a nullable foreign key involves it, its tenant, a parent row of the same tenant for a
foreign key, and otherwise a value of its type within the CHECK hints.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from ..catalog import Catalog, Column, Table
from . import _values as values
from ._checks import Hints, table_hints
from ._graph import ForeignKey, foreign_keys

TEMPORAL = ("date", "timestamp", "timestamptz")
FILLED_WHEN_NULLABLE = ("text", "uuid", "int", "numeric", "float", "bool", *TEMPORAL)

Keys = dict[int, list[tuple[str, ...]]]
"""tenant index -> key tuples of that tenant's rows in a parent table."""
_NO_PARENT: tuple[None] = (None,)


class Unfillable(Exception):
    """The table has a required column no generator can fill."""


@dataclass
class ColumnPlan:
    name: str
    how: str
    """omit, null, tenant, fk, gen, temporal"""
    gen: values.Gen | None = None
    kind: str = ""
    after: str | None = None
    fk: int | None = None
    unique: bool = False
    serial: bool = False


@dataclass
class Batch:
    columns: dict[str, list[str]]
    tenants: list[int]

    def __len__(self) -> int:
        return len(self.tenants)


@dataclass
class TableRows:
    """Generator for one table, bound to the parent keys already generated."""

    table: Table
    plans: list[ColumnPlan]
    fks: list[ForeignKey]
    parents: list[Keys | list[tuple[str, ...]]]
    """Per foreign key (as in `fks`): per-tenant keys, or one shared list for every tenant."""
    dedupe: list[tuple[str, ...]]
    tenant_column: str
    tenant_values: Sequence[str]
    fresh_keys: list[ForeignKey] = field(default_factory=list)
    """Foreign keys to a shared parent with no rows: fresh values, back-filled after."""

    @property
    def copy_columns(self) -> list[str]:
        return [p.name for p in self.plans if p.how != "omit"]

    def batch(self, rng: random.Random, tenants: list[int], start: int) -> Batch:
        n = len(tenants)
        cols: dict[str, list[str]] = {}
        seconds: dict[str, list[int]] = {}
        for plan in self.plans:
            if plan.how == "null":
                cols[plan.name] = [values.NULL] * n
            elif plan.how == "tenant":
                cols[plan.name] = [self.tenant_values[t] for t in tenants]
            elif plan.how == "gen" and plan.gen is not None:
                cols[plan.name] = plan.gen(rng, n, start)
            elif plan.how == "temporal" and plan.after is None:
                seconds[plan.name] = values.instants(rng, n)
        for plan in self.plans:
            if plan.how == "temporal" and plan.after is not None:
                base = seconds.get(plan.after) or values.instants(rng, n)
                seconds[plan.name] = values.later(rng, base)
        for plan in self.plans:
            if plan.how == "temporal":
                cols[plan.name] = values.format_instants(plan.kind, seconds[plan.name])
        keep = [True] * n
        for i, fk in enumerate(self.fks):
            self._fill_fk(rng, fk, self.parents[i], tenants, cols, keep)
        if not all(keep):
            tenants = [t for t, k in zip(tenants, keep, strict=True) if k]
            cols = {c: [v for v, k in zip(vs, keep, strict=True) if k] for c, vs in cols.items()}
        return Batch(cols, tenants)

    def _fill_fk(
        self,
        rng: random.Random,
        fk: ForeignKey,
        parent: Keys | list[tuple[str, ...]],
        tenants: list[int],
        cols: dict[str, list[str]],
        keep: list[bool],
    ) -> None:
        """A random parent row of the row's own tenant; no parent, no row."""
        draws = values.uints(rng, len(tenants))
        if isinstance(parent, list):
            m = len(parent)
            picked = [parent[v % m] for v in draws] if m else [None] * len(tenants)
        else:  # a tenant without parent rows draws None
            pools = [parent.get(t) or _NO_PARENT for t in range(len(self.tenant_values))]
            sizes = [len(p) for p in pools]
            picked = [pools[t][v % sizes[t]] for t, v in zip(tenants, draws, strict=True)]
        orphans = None in picked
        if orphans:
            for i, row in enumerate(picked):
                if row is None:
                    keep[i] = False
        for pos, name in enumerate(fk.columns):
            if name == self.tenant_column:
                continue
            if orphans:
                cols[name] = [row[pos] if row else values.NULL for row in picked]
            else:
                cols[name] = list(map(itemgetter(pos), picked))


def _is_serial(column: Column) -> bool:
    return (
        column.is_identity or column.is_generated or (column.default or "").startswith("nextval(")
    )


def unique_sets(catalog: Catalog, table: Table) -> list[tuple[str, ...]]:
    """Column sets that must be unique: keys, unique constraints, plain unique indexes."""
    names = {c.name for c in table.columns}
    sets = [c.columns for c in catalog.constraints_on(table) if c.type in ("primary key", "unique")]
    sets += [
        i.columns
        for i in catalog.indexes_on(table)
        if i.unique and i.predicate is None and set(i.columns) <= names
    ]
    return list(dict.fromkeys(sets))


def plan_table(
    catalog: Catalog,
    table: Table,
    types: Mapping[str, values.TypeInfo],
    *,
    tenant_column: str | None,
    parents: Mapping[str, Keys | list[tuple[str, ...]] | None],
    tenant_values: Sequence[str],
) -> TableRows:
    """Decide every column of `table`; `parents` maps a parent table to its keys (None
    when that parent is a shared table without rows, whose keys are made up here)."""
    hints = table_hints(catalog, table)
    uniques = unique_sets(catalog, table)
    in_unique = {c for s in uniques for c in s}
    fks = [fk for fk in foreign_keys(catalog, table) if fk.parent != table.qualified_name]
    used_fks: list[ForeignKey] = []
    fk_parents: list[Keys | list[tuple[str, ...]]] = []
    fk_of: dict[str, int] = {}
    fresh: list[int] = []
    for fk in fks:
        if fk.nullable or fk.parent not in parents:
            continue
        keys = parents[fk.parent]
        index = len(used_fks)
        used_fks.append(fk)
        fk_parents.append(keys if keys is not None else [])
        if keys is None:
            fresh.append(index)
        for col in fk.columns:
            if col != tenant_column and col not in fk_of:
                fk_of[col] = index
    # A nullable reference we do not follow stays NULL: a made-up value would dangle.
    dangling = {c for fk in fks if fk not in used_fks for c in fk.columns} - set(fk_of)
    plans = []
    for column in table.columns:
        if column.name in dangling and not column.not_null:
            plans.append(ColumnPlan(column.name, "null"))
            continue
        unique = column.name in in_unique
        info = types[column.type]
        plans.append(_plan_column(column, info, hints, tenant_column, fk_of, fresh, unique))
    dedupe = _uniques(uniques, plans)
    return TableRows(
        table=table,
        plans=plans,
        fks=[fk for i, fk in enumerate(used_fks) if i not in fresh],
        parents=[p for i, p in enumerate(fk_parents) if i not in fresh],
        dedupe=dedupe,
        tenant_column=tenant_column or "",
        tenant_values=tenant_values,
        fresh_keys=[used_fks[i] for i in fresh],
    )


def _plan_column(
    column: Column,
    info: values.TypeInfo,
    hints: Hints,
    tenant_column: str | None,
    fk_of: Mapping[str, int],
    fresh: Sequence[int],
    unique: bool,
) -> ColumnPlan:
    name = column.name
    if _is_serial(column):
        return ColumnPlan(name, "omit", serial=True)
    if name == tenant_column:
        return ColumnPlan(name, "tenant")
    if name in fk_of and fk_of[name] not in fresh:
        return ColumnPlan(name, "fk", fk=fk_of[name])
    constrained = name in hints.constrained
    temporal = info.kind in TEMPORAL
    if column.default is not None:
        keyed = unique and info.kind == "uuid"  # a random key we must know for children
        if not keyed and (constrained or not (temporal or unique)):
            return ColumnPlan(name, "omit")
    elif not column.not_null:
        wanted = name in hints.wanted or name in fk_of
        if not wanted and (constrained or info.kind not in FILLED_WHEN_NULLABLE):
            return ColumnPlan(name, "null")
    if temporal:
        return ColumnPlan(name, "temporal", kind=info.kind, after=hints.after.get(name))
    if name in hints.choices:
        return ColumnPlan(name, "gen", gen=values.choice(hints.choices[name]))
    gen = values.for_type(
        name, info, low=hints.low.get(name), high=hints.high.get(name), unique=unique
    )
    if gen is None:
        if column.not_null and column.default is None:
            raise Unfillable(f"no generator for {name} ({column.type})")
        return ColumnPlan(name, "omit" if column.default is not None else "null")
    return ColumnPlan(name, "gen", gen=gen, kind=info.kind, unique=unique)


def _unique_by_construction(plan: ColumnPlan) -> bool:
    """Values that never repeat: random UUIDs and numbered text."""
    return plan.how == "gen" and plan.kind in ("uuid", "text")


def _uniques(uniques: list[tuple[str, ...]], plans: list[ColumnPlan]) -> list[tuple[str, ...]]:
    """The unique sets whose values may collide, less the columns the server fills: a set
    with a serial column never collides, other defaults are the same on every row."""
    by_name = {p.name: p for p in plans}
    out = []
    for columns in uniques:
        if any(_unique_by_construction(by_name[c]) or by_name[c].serial for c in columns):
            continue
        if any(by_name[c].how == "null" for c in columns):
            continue  # NULL is distinct from NULL: such a key never repeats
        kept = tuple(c for c in columns if by_name[c].how != "omit")
        if kept:
            out.append(kept)
    return out
