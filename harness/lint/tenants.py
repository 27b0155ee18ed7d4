"""Which relations are tenant relations, and which columns every known relation has.

The lint needs two things from a schema: the tenant tables (a reference to one must be
restricted by tenant) and the columns of every relation it knows (to tell an unqualified
column from a PL/pgSQL variable or a function parameter). Both come from the catalog with
`--dsn` or from the DDL offline (`harness.lint.ddl`); tests build them with `of()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..catalog import Catalog

ROW_KINDS = frozenset({"table", "partitioned table", "foreign table", "materialized view"})
"""Relations that store rows of their own. A materialized view has no RLS at all, so
reading one without a tenant predicate is the same leak as reading a table."""


@dataclass(frozen=True, slots=True)
class TenantTable:
    schema: str
    name: str
    tenant_column: str
    columns: tuple[str, ...] = ()
    """In attnum order; empty when unknown."""
    tenant_default: bool = False
    """The tenant column has a DEFAULT, so an INSERT may leave it out."""
    kind: str = "table"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class TenantTables:
    """The tenant tables of a schema and the columns of every relation it declares."""

    tenant_column: str = "tenant_id"
    tables: tuple[TenantTable, ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """`schema.name` -> column names of every known relation, tenant or not."""
    search_path: tuple[str, ...] = ("public",)
    origin: str = ""
    """Where they came from, for reports: `schema schema/`, `database app`."""
    skipped: tuple[str, ...] = ()
    """DDL statements that could not be read (`file:line: message`)."""
    _by_name: dict[str, TenantTable] = field(init=False, repr=False, compare=False)
    _columns: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    _found: dict[tuple[str | None, str], TenantTable | None] = field(
        init=False, repr=False, compare=False
    )
    """lookup() results: the lint asks for the same few names over and over."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {t.qualified_name: t for t in self.tables})
        cols = {k: frozenset(v) for k, v in self.columns.items()}
        for t in self.tables:
            if t.columns:
                cols.setdefault(t.qualified_name, frozenset(t.columns) | {t.tenant_column})
        object.__setattr__(self, "_columns", cols)
        object.__setattr__(self, "_found", {})

    def __len__(self) -> int:
        return len(self.tables)

    def _qualify(self, schema: str | None, name: str, known: Mapping[str, object]) -> str | None:
        if schema:
            key = f"{schema}.{name}"
            return key if key in known else None
        for s in self.search_path:
            key = f"{s}.{name}"
            if key in known:
                return key
        return None

    def lookup(self, schema: str | None, name: str) -> TenantTable | None:
        """The tenant table a (possibly unqualified) name resolves to, through search_path."""
        try:
            return self._found[(schema, name)]
        except KeyError:
            pass
        key = self._qualify(schema, name, self._by_name)
        found = None if key is None else self._by_name[key]
        if len(self._found) < 100_000:  # bounded: names come from the linted code
            self._found[(schema, name)] = found
        return found

    def columns_of(self, schema: str | None, name: str) -> frozenset[str] | None:
        """Column names of a relation, or None when the schema does not declare it."""
        key = self._qualify(schema, name, self._columns)
        return None if key is None else self._columns[key]

    def names(self) -> frozenset[str]:
        """Bare names of the tenant tables: a cheap pre-filter for statements."""
        return frozenset(t.name for t in self.tables)

    @classmethod
    def of(
        cls,
        tables: Iterable[str] | Mapping[str, Iterable[str]],
        *,
        tenant_column: str = "tenant_id",
        extra_columns: Mapping[str, Iterable[str]] | None = None,
    ) -> TenantTables:
        """Tenant tables by name (`public.users` or `users`), with optional column lists."""
        items = tables.items() if isinstance(tables, Mapping) else ((t, ()) for t in tables)
        found = []
        for name, cols in items:
            schema, _, bare = name.rpartition(".")
            columns = tuple(cols)
            if columns and tenant_column not in columns:
                columns = (tenant_column, *columns)
            found.append(TenantTable(schema or "public", bare, tenant_column, columns))
        columns = {t.qualified_name: t.columns for t in found if t.columns}
        for name, cols in (extra_columns or {}).items():
            schema, _, bare = name.rpartition(".")
            columns[f"{schema or 'public'}.{bare}"] = tuple(cols)
        return cls(tenant_column, tuple(found), columns, origin="given")

    @classmethod
    def from_catalog(cls, catalog: Catalog, *, search_path: tuple[str, ...] = ()) -> TenantTables:
        """Tenant relations of a catalog snapshot: tables, partitions, foreign tables and
        materialized views that have the tenant column."""
        found = []
        columns: dict[str, tuple[str, ...]] = {}
        for rel in catalog.tables:
            names = tuple(c.name for c in rel.columns)
            columns[rel.qualified_name] = names
            if rel.kind in ROW_KINDS and rel.tenant_column:
                col = rel.column(rel.tenant_column)
                found.append(
                    TenantTable(
                        rel.schema,
                        rel.name,
                        rel.tenant_column,
                        names,
                        tenant_default=bool(col is not None and col.default),
                        kind=rel.kind,
                    )
                )
        return cls(
            catalog.tenant_column,
            tuple(found),
            columns,
            search_path=search_path or tuple(dict.fromkeys((*catalog.exposed_schemas, "public"))),
            origin=f"database {catalog.database}",
        )
