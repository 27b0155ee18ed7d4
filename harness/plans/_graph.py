"""Foreign keys between the tables to fill: parents first, the tenant root, shared parents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..catalog import Catalog, Table


@dataclass(frozen=True, slots=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    nullable: bool
    """Some referencing column may be NULL: the generator may leave the reference empty."""


def foreign_keys(catalog: Catalog, table: Table) -> list[ForeignKey]:
    out = []
    for c in catalog.constraints_on(table):
        if c.type != "foreign key" or not c.referenced_table:
            continue
        nullable = any(not (col := table.column(n)) or not col.not_null for n in c.columns)
        out.append(
            ForeignKey(
                table.qualified_name, c.columns, c.referenced_table, c.referenced_columns, nullable
            )
        )
    return out


def tenant_root(catalog: Catalog, tables: Sequence[Table], column: str) -> tuple[Table, str] | None:
    """The table most tenant tables reference by the tenant column alone, and its key."""
    votes: Counter[tuple[str, str]] = Counter()
    for table in tables:
        for fk in foreign_keys(catalog, table):
            if fk.columns == (column,) and len(fk.parent_columns) == 1:
                votes[fk.parent, fk.parent_columns[0]] += 1
    if not votes:
        return None
    (name, key), _ = min(votes.items(), key=lambda item: (-item[1], item[0]))
    root = catalog.find_table(name)
    return (root, key) if root is not None else None


def load_order(catalog: Catalog, tables: Sequence[Table]) -> list[Table]:
    """Parents before children (Kahn, ties by name); a cycle is broken at a nullable key."""
    names = {t.qualified_name: t for t in tables}
    needs: dict[str, set[str]] = {n: set() for n in names}
    optional: dict[str, set[str]] = {n: set() for n in names}
    for table in tables:
        for fk in foreign_keys(catalog, table):
            if fk.parent in names and fk.parent != table.qualified_name:
                (optional if fk.nullable else needs)[table.qualified_name].add(fk.parent)
    order: list[str] = []
    pending = set(names)
    while pending:
        ready = sorted(n for n in pending if not (needs[n] | optional[n]) & pending)
        if not ready:  # a cycle: drop the optional edges of one member, then strict ones
            ready = sorted(n for n in pending if not needs[n] & pending)[:1] or sorted(pending)[:1]
        for name in ready:
            order.append(name)
            pending.discard(name)
    return [names[n] for n in order]


def depths(catalog: Catalog, tables: Sequence[Table]) -> dict[str, int]:
    """Longest chain of foreign keys above each table, within `tables`."""
    order = load_order(catalog, tables)
    names = {t.qualified_name for t in tables}
    depth: dict[str, int] = {}
    for table in order:
        parents = [
            fk.parent
            for fk in foreign_keys(catalog, table)
            if fk.parent in names and fk.parent != table.qualified_name and fk.parent in depth
        ]
        depth[table.qualified_name] = 1 + max((depth[p] for p in parents), default=0)
    return depth
