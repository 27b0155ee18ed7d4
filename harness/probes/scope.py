"""What the probes act on, derived from the catalog alone: no table name is known in advance.

A relation belongs to a tenant through its tenant key: the configured tenant column, or,
for the tenant registry (the table the tenant columns reference, e.g. `tenants`), the
referenced column (`tenants.id`). Rows of tables without a tenant key are the platform's.
Tables are filled in foreign-key order; a cycle is broken at a nullable foreign key whose
value is filled in afterwards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalog import Catalog, Constraint, Table

POPULATED_KINDS = ("table", "partitioned table")


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    nullable: bool
    """Some column is nullable: MATCH SIMPLE skips the check, so NULL breaks a cycle."""


@dataclass(frozen=True, slots=True)
class TableScope:
    table: Table
    tenant_key: str | None
    pk: tuple[str, ...]
    fks: tuple[ForeignKey, ...] = ()
    uniques: tuple[Constraint, ...] = ()
    checks: tuple[Constraint, ...] = ()

    @property
    def name(self) -> str:
        return self.table.qualified_name

    @property
    def is_tenant(self) -> bool:
        return self.tenant_key is not None

    def fk_columns(self) -> set[str]:
        return {c for fk in self.fks for c in fk.columns}


@dataclass(frozen=True, slots=True)
class Scope:
    registry: str | None
    registry_key: str | None
    tables: dict[str, TableScope]
    order: tuple[str, ...]
    """Insertion order: every table after the tables it references (cycles broken)."""
    deferred: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """(table, foreign key name) left NULL at insert and filled in afterwards."""
    readable: tuple[Table, ...] = ()
    """Every relation of the exposed schemas a client could read: tables, partitions,
    inheritance children, views, materialized views."""

    def tenant_key(self, relation: str) -> str | None:
        found = self.tables.get(relation)
        return found.tenant_key if found else None

    def tenant_tables(self) -> list[TableScope]:
        return [self.tables[n] for n in self.order if self.tables[n].is_tenant]


def _pk(catalog: Catalog, table: Table) -> tuple[str, ...]:
    cons = catalog.constraints_on(table)
    for c in cons:
        if c.type == "primary key":
            return c.columns
    for c in cons:
        if c.type == "unique":
            return c.columns
    return ()


def _foreign_keys(catalog: Catalog, table: Table) -> tuple[ForeignKey, ...]:
    out = []
    for c in catalog.constraints_on(table):
        if c.type != "foreign key" or not c.referenced_table:
            continue
        nullable = any(not (col := table.column(n)) or not col.not_null for n in c.columns)
        out.append(
            ForeignKey(
                c.name,
                table.qualified_name,
                c.columns,
                c.referenced_table,
                c.referenced_columns,
                nullable,
            )
        )
    return tuple(out)


def find_registry(catalog: Catalog) -> tuple[str | None, str | None]:
    """The table most tenant columns reference, and the referenced column."""
    votes: Counter[tuple[str, str]] = Counter()
    column = catalog.tenant_column
    for c in catalog.constraints:
        if c.type == "foreign key" and c.referenced_table and column in c.columns:
            ref = c.referenced_columns[c.columns.index(column)]
            votes[(c.referenced_table, ref)] += 1
    if not votes:
        return None, None
    (table, key), _ = votes.most_common(1)[0]
    return table, key


def _needed(catalog: Catalog, exposed: set[str]) -> list[Table]:
    """Tables of the exposed schemas plus every table they reference, transitively."""
    wanted: dict[str, Table] = {}
    stack = [
        t
        for t in catalog.tables
        if t.schema in exposed and t.kind in POPULATED_KINDS and not t.is_partition
    ]
    while stack:
        t = stack.pop()
        if t.qualified_name in wanted:
            continue
        wanted[t.qualified_name] = t
        for c in catalog.constraints_on(t):
            if c.type == "foreign key" and c.referenced_table:
                ref = catalog.find_table(c.referenced_table)
                if ref is not None and ref.kind in POPULATED_KINDS:
                    stack.append(ref)
    return sorted(wanted.values(), key=lambda t: t.qualified_name)


def _order(tables: dict[str, TableScope]) -> tuple[tuple[str, ...], frozenset[tuple[str, str]]]:
    """Topological order; a cycle is cut at a nullable foreign key (deferred)."""
    deferred: set[tuple[str, str]] = set()
    order: list[str] = []
    done: set[str] = set()
    while len(done) < len(tables):
        progressed = False
        for name in sorted(tables):
            if name in done:
                continue
            deps = {
                fk.ref_table
                for fk in tables[name].fks
                if fk.ref_table != name
                and fk.ref_table in tables
                and (name, fk.name) not in deferred
            }
            if deps <= done:
                order.append(name)
                done.add(name)
                progressed = True
        if progressed:
            continue
        # A cycle: defer one nullable foreign key among the remaining tables.
        cut = next(
            (
                (name, fk.name)
                for name in sorted(tables)
                if name not in done
                for fk in tables[name].fks
                if fk.nullable
                and fk.ref_table in tables
                and fk.ref_table not in done
                and (name, fk.name) not in deferred
            ),
            None,
        )
        if cut is None:  # no nullable edge: insert the rest in name order, failures say why
            rest = [n for n in sorted(tables) if n not in done]
            order.extend(rest)
            done.update(rest)
        else:
            deferred.add(cut)
    return tuple(order), frozenset(deferred)


def build_scope(catalog: Catalog) -> Scope:
    exposed = set(catalog.exposed_schemas)
    registry, registry_key = find_registry(catalog)
    tables: dict[str, TableScope] = {}
    for t in _needed(catalog, exposed):
        key = t.tenant_column
        if key is None and t.qualified_name == registry:
            key = registry_key
        cons = catalog.constraints_on(t)
        tables[t.qualified_name] = TableScope(
            table=t,
            tenant_key=key,
            pk=_pk(catalog, t),
            fks=_foreign_keys(catalog, t),
            uniques=tuple(c for c in cons if c.type in ("primary key", "unique")),
            checks=tuple(c for c in cons if c.type == "check"),
        )
    order, deferred = _order(tables)
    readable = tuple(
        t
        for t in catalog.tables
        if t.schema in exposed
        and t.kind in ("table", "partitioned table", "view", "materialized view", "foreign table")
    )
    return Scope(registry, registry_key, tables, order, deferred, readable)


def relation_tenant_key(scope: Scope, relation: Table) -> str | None:
    """The tenant key of any readable relation: its own, a partition's parent's, or the
    tenant column it shows (views and materialized views)."""
    found = scope.tenant_key(relation.qualified_name)
    if found:
        return found
    if relation.partition_parent:
        parent = scope.tenant_key(relation.partition_parent)
        if parent:
            return parent
    return relation.tenant_column
