"""The catalog snapshot as plain frozen data, so rules can be tested without a database.

Names are `schema.name` without quoting, as findings show them (`ObjectRef`). A function
is named by its signature, `public.get_user_tenant_id(uuid)`; policies, constraints and
triggers by `name on schema.table`, because their names are unique only per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from .privileges import DefaultPrivilege, Grant, Role
from .privileges import EffectiveMembership as EffectiveMembership  # re-exported
from .privileges import Membership as Membership  # re-exported

RelationKind = Literal["table", "partitioned table", "view", "materialized view", "foreign table"]
_T = TypeVar("_T")
Command = Literal["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]

TABLE_KINDS: frozenset[str] = frozenset({"table", "partitioned table", "foreign table"})
"""Relations that hold rows of their own, hence the ones RLS must protect."""


def _qualify(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def _on(name: str, schema: str, table: str) -> str:
    return f"{name} on {schema}.{table}"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    """`format_type` text: `uuid`, `character varying(40)`, `public.status`."""
    not_null: bool
    default: str | None
    attnum: int
    identity: Literal["always", "by default"] | None = None
    generated: Literal["stored", "virtual"] | None = None

    @property
    def is_identity(self) -> bool:
        return self.identity is not None

    @property
    def is_generated(self) -> bool:
        return self.generated is not None


@dataclass(frozen=True, slots=True)
class Table:
    """Any relation with rows or a row shape: tables, partitions, views, foreign tables."""

    schema: str
    name: str
    oid: int
    kind: RelationKind
    owner: str
    rls_enabled: bool = False
    rls_forced: bool = False
    tenant_column: str | None = None
    """The configured tenant column if this relation has it, else None."""
    columns: tuple[Column, ...] = ()
    partition_parent: str | None = None
    inheritance_parents: tuple[str, ...] = ()
    """Parents through plain (non-partition) inheritance, in `inhseqno` order."""
    is_partition: bool = False
    partition_key: str | None = None
    partition_bound: str | None = None
    reloptions: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        return _qualify(self.schema, self.name)

    @property
    def is_table(self) -> bool:
        return self.kind in TABLE_KINDS

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


Relation = Table


@dataclass(frozen=True, slots=True)
class View:
    """What a view exposes and whose privileges it reads with."""

    schema: str
    name: str
    security_invoker: bool
    security_barrier: bool
    check_option: Literal["local", "cascaded"] | None
    definition: str
    reads: tuple[str, ...] = ()
    """Relations the view's query references directly (pg_rewrite dependencies)."""
    calls: tuple[str, ...] = ()
    """Function signatures the view's query references directly."""

    @property
    def qualified_name(self) -> str:
        return _qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class MaterializedView:
    """A stored copy of a query: it holds every tenant's rows and has no RLS of its own."""

    schema: str
    name: str
    definition: str
    populated: bool
    reads: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        return _qualify(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Policy:
    schema: str
    table: str
    name: str
    permissive: bool
    command: Command
    roles: tuple[str, ...]
    """Role names, sorted; `public` stands for PUBLIC, as in `pg_policies`."""
    using: str | None
    with_check: str | None

    @property
    def qualified_name(self) -> str:
        return _on(self.name, self.schema, self.table)

    @property
    def table_name(self) -> str:
        return _qualify(self.schema, self.table)

    def applies_to(self, command: str) -> bool:
        return self.command in ("ALL", command)


@dataclass(frozen=True, slots=True)
class Function:
    schema: str
    name: str
    identity_args: str
    """Input argument types as in `regprocedure`: `uuid, text`."""
    arg_types: tuple[str, ...]
    return_type: str
    language: str
    security_definer: bool
    leakproof: bool
    volatility: Literal["immutable", "stable", "volatile"]
    owner: str
    source: str
    kind: Literal["function", "procedure", "aggregate", "window"] = "function"
    returns_set: bool = False
    config: tuple[tuple[str, str], ...] = ()
    """`proconfig` as (name, value) pairs, values as stored: `public, pg_temp`, and `""`
    for `SET search_path = ''`."""
    executable_by: tuple[str, ...] = ()
    """Grantees holding EXECUTE directly, `PUBLIC` included; sorted."""

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_args})"

    @property
    def qualified_name(self) -> str:
        return self.signature

    @property
    def settings(self) -> dict[str, str]:
        return dict(self.config)

    @property
    def search_path(self) -> str | None:
        """The pinned search_path, or None when the caller's applies."""
        return self.settings.get("search_path")


@dataclass(frozen=True, slots=True)
class Index:
    schema: str
    table: str
    name: str
    columns: tuple[str, ...]
    """Key columns in order; expressions as their text, `lower(email)`."""
    include: tuple[str, ...] = ()
    predicate: str | None = None
    unique: bool = False
    primary: bool = False
    method: str = "btree"
    valid: bool = True
    nulls_not_distinct: bool = False

    @property
    def qualified_name(self) -> str:
        return _qualify(self.schema, self.name)

    @property
    def table_name(self) -> str:
        return _qualify(self.schema, self.table)

    @property
    def leading_column(self) -> str | None:
        return self.columns[0] if self.columns else None

    @property
    def definition(self) -> str:
        """CREATE INDEX text for reports; leaves out opclasses, collations and ordering."""
        text = f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {self.name} ON {self.table_name}"
        text += f" USING {self.method} ({', '.join(self.columns)})"
        if self.include:
            text += f" INCLUDE ({', '.join(self.include)})"
        if self.nulls_not_distinct:
            text += " NULLS NOT DISTINCT"
        return f"{text} WHERE {self.predicate}" if self.predicate else text


ConstraintType = Literal["primary key", "unique", "foreign key", "check", "exclusion"]


@dataclass(frozen=True, slots=True)
class Constraint:
    schema: str
    table: str
    name: str
    type: ConstraintType
    columns: tuple[str, ...]
    definition: str
    includes_tenant_column: bool = False
    referenced_table: str | None = None
    referenced_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None
    validated: bool = True

    @property
    def qualified_name(self) -> str:
        return _on(self.name, self.schema, self.table)

    @property
    def table_name(self) -> str:
        return _qualify(self.schema, self.table)


@dataclass(frozen=True, slots=True)
class Trigger:
    schema: str
    table: str
    name: str
    function: str
    """Signature of the trigger function, `public.set_tenant_id()`."""
    timing: Literal["BEFORE", "AFTER", "INSTEAD OF"]
    events: tuple[str, ...]
    level: Literal["ROW", "STATEMENT"]
    enabled: bool
    enabled_mode: Literal["origin", "always", "replica", "disabled"] = "origin"
    definition: str = ""

    @property
    def qualified_name(self) -> str:
        return _on(self.name, self.schema, self.table)

    @property
    def table_name(self) -> str:
        return _qualify(self.schema, self.table)


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    owner: str

    @property
    def qualified_name(self) -> str:
        return self.name


def _group(items: Iterable[_T], key: Callable[[_T], str]) -> dict[str, tuple[_T, ...]]:
    grouped: dict[str, list[_T]] = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return {k: tuple(v) for k, v in grouped.items()}


class Named(Protocol):
    """Anything with a qualified name: every object of the model."""

    @property
    def qualified_name(self) -> str: ...


def _name(obj: str | Named) -> str:
    return obj if isinstance(obj, str) else obj.qualified_name


class _Lookups:
    """Dicts behind the Catalog's lookups: rules call them per object, so each is a dict hit."""

    def __init__(self, catalog: Catalog) -> None:
        self.tables = {t.qualified_name: t for t in catalog.tables}
        self.views = {v.qualified_name: v for v in catalog.views}
        self.matviews = {m.qualified_name: m for m in catalog.materialized_views}
        self.functions = {f.signature: f for f in catalog.functions}
        self.roles = {r.name: r for r in catalog.roles}
        self.policies = _group(catalog.policies, lambda p: p.table_name)
        self.grants = _group(catalog.grants, lambda g: g.object_name)
        self.indexes = _group(catalog.indexes, lambda i: i.table_name)
        self.constraints = _group(catalog.constraints, lambda c: c.table_name)
        self.triggers = _group(catalog.triggers, lambda t: t.table_name)
        self.tenant_tables = tuple(t for t in catalog.tables if t.is_table and t.tenant_column)


@dataclass(frozen=True, slots=True)
class Catalog:
    """One database's security-relevant catalog, read once, queried by every rule."""

    server_version_num: int
    database: str
    tenant_column: str = "tenant_id"
    exposed_schemas: tuple[str, ...] = ("public",)
    api_roles: tuple[str, ...] = ()
    """The roles the API runs queries as (configuration); empty: the rules' defaults."""
    tenant_guc: str | None = None
    """The setting that carries the tenant id (configuration); None: the rules' default."""
    schemas: tuple[Schema, ...] = ()
    tables: tuple[Table, ...] = ()
    """Every relation, views included; see `Table.kind`."""
    views: tuple[View, ...] = ()
    materialized_views: tuple[MaterializedView, ...] = ()
    policies: tuple[Policy, ...] = ()
    grants: tuple[Grant, ...] = ()
    default_privileges: tuple[DefaultPrivilege, ...] = ()
    functions: tuple[Function, ...] = ()
    indexes: tuple[Index, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    roles: tuple[Role, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    _by: _Lookups = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by", _Lookups(self))

    def table(self, name: str) -> Table:
        """The relation `schema.name`; KeyError if the snapshot has none by that name."""
        try:
            return self._by.tables[name]
        except KeyError:
            raise KeyError(f"no relation {name!r} in the catalog (use schema.name)") from None

    def find_table(self, name: str) -> Table | None:
        return self._by.tables.get(name)

    def view(self, name: str) -> View | None:
        return self._by.views.get(name)

    def materialized_view(self, name: str) -> MaterializedView | None:
        return self._by.matviews.get(name)

    def function(self, signature: str) -> Function | None:
        return self._by.functions.get(signature)

    def role(self, name: str) -> Role:
        try:
            return self._by.roles[name]
        except KeyError:
            raise KeyError(f"no role {name!r} in the catalog") from None

    def tenant_tables(self) -> tuple[Table, ...]:
        """Relations holding rows that have the tenant column: tables, partitions (also
        reachable directly), partitioned and foreign tables, in catalog order."""
        return self._by.tenant_tables

    def policies_for(self, table: str | Named) -> tuple[Policy, ...]:
        return self._by.policies.get(_name(table), ())

    def grants_on(self, obj: str | Named) -> tuple[Grant, ...]:
        """Grants on a relation (column grants included), function signature or schema."""
        return self._by.grants.get(_name(obj), ())

    def indexes_on(self, table: str | Named) -> tuple[Index, ...]:
        return self._by.indexes.get(_name(table), ())

    def constraints_on(self, table: str | Named) -> tuple[Constraint, ...]:
        return self._by.constraints.get(_name(table), ())

    def triggers_on(self, table: str | Named) -> tuple[Trigger, ...]:
        return self._by.triggers.get(_name(table), ())

    def functions_executable_by(self, role: str) -> tuple[Function, ...]:
        """Functions `role` may call: granted to it, to PUBLIC, or to a role it inherits."""
        found = self._by.roles.get(role)
        if found is not None and found.superuser:
            return self.functions
        holders = {role, "PUBLIC"}
        if found is not None:
            holders.update(m.role for m in found.effective if m.inherit)
        return tuple(f for f in self.functions if holders.intersection(f.executable_by))
