"""Read pg_catalog once, in a read-only transaction, into a `Catalog`.

Fourteen set-based queries, never one per table, so a schema of a thousand tenant tables
loads in well under a second. The transaction pins search_path to pg_catalog alone (as
pg_dump does), so every expression, view definition and type name is rendered the same
way whatever the caller's search_path, with user objects schema-qualified.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import RowMaker, dict_row

from ..errors import AuditError
from ._roles import effective_memberships, membership_edges
from .model import (
    Catalog,
    Column,
    Constraint,
    DefaultPrivilege,
    Function,
    Grant,
    Index,
    MaterializedView,
    Membership,
    Policy,
    Role,
    Schema,
    Table,
    Trigger,
    View,
)

T = TypeVar("T")
Params = dict[str, Any]


class CatalogError(AuditError):
    """The catalog could not be read."""


@cache
def query(name: str) -> str:
    """The text of `queries/<name>.sql`, shipped as package data."""
    return files(__package__).joinpath("queries").joinpath(f"{name}.sql").read_text("utf-8")


def dataclass_row(cls: type[T]) -> Callable[[psycopg.Cursor[Any]], RowMaker[T]]:
    """Like psycopg's class_row, but positional, and SQL arrays become tuples.

    The query's columns must be the dataclass's leading fields, in order: checked once per
    query, then each row costs one constructor call (there are tens of thousands of grants).
    """

    def factory(cursor: psycopg.Cursor[Any]) -> RowMaker[T]:
        description = cursor.description or []
        names = [c.name for c in description]
        fields = [f.name for f in dataclasses.fields(cls)][: len(names)]  # type: ignore[arg-type]
        if names != fields:
            raise CatalogError(
                f"catalog query columns {names} do not match {cls.__name__} {fields}"
            )
        types = cursor.adapters.types
        arrays = [
            i
            for i, c in enumerate(description)
            if (info := types.get(c.type_code)) is not None and info.array_oid == c.type_code
        ]
        if not arrays:
            return lambda values: cls(*values)

        def make(values: Sequence[Any]) -> T:
            row = list(values)
            for i in arrays:
                row[i] = tuple(row[i] or ())
            return cls(*row)

        return make

    return factory


def _fetch(conn: psycopg.Connection[Any], name: str, cls: type[T], params: Params) -> list[T]:
    with conn.cursor(row_factory=dataclass_row(cls)) as cur:
        return cur.execute(query(name), params).fetchall()


def _dicts(conn: psycopg.Connection[Any], name: str, params: Params) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query(name), params).fetchall()


@contextmanager
def read_only_transaction(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """A read-only transaction that leaves the connection exactly as it found it.

    Idle (autocommit or not): BEGIN ... ROLLBACK, repeatable read so every query sees one
    snapshot. Inside the caller's transaction: a read-only savepoint, rolled back, which
    restores read-write; the caller's isolation level and snapshot apply.
    """
    status = conn.info.transaction_status
    if status not in (TransactionStatus.IDLE, TransactionStatus.INTRANS):
        raise CatalogError(
            f"cannot read the catalog: the connection is {status.name}",
            hint="roll back the failed transaction first",
        )
    with conn.transaction(force_rollback=True):
        if status == TransactionStatus.IDLE:
            conn.execute("set transaction isolation level repeatable read, read only")
        else:
            conn.execute("set local transaction_read_only = on")
        # work_mem: the grants of a thousand tables overflow the default 4MB into a disk sort.
        conn.execute(
            "select pg_catalog.set_config('search_path', 'pg_catalog', true),"
            " pg_catalog.set_config('work_mem', '64MB', true)"
        )
        yield


def load_catalog(
    conn: psycopg.Connection[Any],
    *,
    tenant_column: str = "tenant_id",
    exposed_schemas: Sequence[str] = ("public",),
    api_roles: Sequence[str] = (),
    tenant_guc: str | None = None,
) -> Catalog:
    """Snapshot the security-relevant catalog of the connected database.

    Tenant tables are those with a column named `tenant_column`; `exposed_schemas` is
    recorded for rules (the schemas an API such as PostgREST serves), not a filter;
    `api_roles` and `tenant_guc` likewise carry the configuration to the rules.
    """
    params: Params = {"tenant_column": tenant_column}
    try:
        with read_only_transaction(conn):
            raw = _read(conn, params)
    except psycopg.Error as exc:
        raise CatalogError(
            f"reading the catalog failed: {str(exc).strip().splitlines()[0]}",
            hint="the login needs only CONNECT; check the server log for the failing query",
        ) from exc
    catalog = _assemble(raw, tenant_column, tuple(exposed_schemas))
    if api_roles or tenant_guc:
        catalog = dataclasses.replace(catalog, api_roles=tuple(api_roles), tenant_guc=tenant_guc)
    return catalog


def _read(conn: psycopg.Connection[Any], params: Params) -> dict[str, Any]:
    return {
        "server": _dicts(conn, "server", params)[0],
        "schemas": _fetch(conn, "schemas", Schema, params),
        "relations": _dicts(conn, "relations", params),
        "columns": _dicts(conn, "columns", params),
        "dependencies": _dicts(conn, "view_dependencies", params),
        "policies": _fetch(conn, "policies", Policy, params),
        "grants": _fetch(conn, "grants", Grant, params),
        "default_privileges": _fetch(conn, "default_privileges", DefaultPrivilege, params),
        "functions": _dicts(conn, "functions", params),
        "indexes": _fetch(conn, "indexes", Index, params),
        "constraints": _fetch(conn, "constraints", Constraint, params),
        "triggers": _fetch(conn, "triggers", Trigger, params),
        "roles": _dicts(conn, "roles", params),
        "memberships": _dicts(conn, "memberships", params),
    }


def _assemble(raw: dict[str, Any], tenant_column: str, exposed: tuple[str, ...]) -> Catalog:
    tables, views, matviews = _relations(raw["relations"], raw["columns"], raw["dependencies"])
    return Catalog(
        server_version_num=raw["server"]["server_version_num"],
        database=raw["server"]["database"],
        tenant_column=tenant_column,
        exposed_schemas=exposed,
        schemas=tuple(raw["schemas"]),
        tables=tables,
        views=views,
        materialized_views=matviews,
        policies=tuple(raw["policies"]),
        grants=tuple(raw["grants"]),
        default_privileges=tuple(raw["default_privileges"]),
        functions=tuple(_function(row) for row in raw["functions"]),
        indexes=tuple(raw["indexes"]),
        constraints=tuple(raw["constraints"]),
        roles=_roles(raw["roles"], raw["memberships"]),
        triggers=tuple(raw["triggers"]),
    )


_TABLE_FIELDS = (
    "schema", "name", "oid", "kind", "owner", "rls_enabled", "rls_forced", "tenant_column",
    "partition_parent", "is_partition", "partition_key", "partition_bound",
)  # fmt: skip


def _relations(
    relations: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    dependencies: list[dict[str, Any]],
) -> tuple[tuple[Table, ...], tuple[View, ...], tuple[MaterializedView, ...]]:
    by_rel: dict[int, list[Column]] = defaultdict(list)
    for c in columns:
        relid = c.pop("relid")
        by_rel[relid].append(Column(**c))
    deps: dict[tuple[int, str], list[str]] = defaultdict(list)
    for d in dependencies:
        deps[d["relid"], d["kind"]].append(d["target"])
    tables: list[Table] = []
    views: list[View] = []
    matviews: list[MaterializedView] = []
    for r in relations:
        oid = r["oid"]
        tables.append(
            Table(
                **{k: r[k] for k in _TABLE_FIELDS},
                columns=tuple(by_rel.get(oid, ())),
                inheritance_parents=tuple(r["inheritance_parents"]),
                reloptions=tuple(r["reloptions"]),
            )
        )
        reads = tuple(deps.get((oid, "relation"), ()))
        calls = tuple(deps.get((oid, "function"), ()))
        if r["kind"] == "view":
            views.append(
                View(
                    schema=r["schema"],
                    name=r["name"],
                    security_invoker=r["security_invoker"],
                    security_barrier=r["security_barrier"],
                    check_option=r["check_option"],
                    definition=r["definition"],
                    reads=reads,
                    calls=calls,
                )
            )
        elif r["kind"] == "materialized view":
            matviews.append(
                MaterializedView(
                    schema=r["schema"],
                    name=r["name"],
                    definition=r["definition"],
                    populated=r["populated"],
                    reads=reads,
                    calls=calls,
                )
            )
    return tuple(tables), tuple(views), tuple(matviews)


def _function(row: dict[str, Any]) -> Function:
    # proconfig items are "name=value"; the value may itself contain "=".
    config = tuple((n, v) for n, _, v in (item.partition("=") for item in row.pop("config")))
    row["arg_types"] = tuple(row["arg_types"])
    row["executable_by"] = tuple(row["executable_by"])
    return Function(**row, config=config)


def _roles(roles: list[dict[str, Any]], memberships: list[dict[str, Any]]) -> tuple[Role, ...]:
    edges = membership_edges(
        (m["member"], Membership(m["role"], m["admin"], m["inherit"], m["set"]))
        for m in memberships
    )
    return tuple(
        Role(
            **r,
            member_of=edges.get(r["name"], ()),
            effective=effective_memberships(r["name"], edges),
        )
        for r in roles
    )
