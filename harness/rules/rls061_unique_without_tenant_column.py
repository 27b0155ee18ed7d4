"""RLS061: a unique key on a tenant table that spans all tenants."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Remediation, Severity
from . import _fix
from ._scope import Scope, relation_ref, scope


class UniqueWithoutTenantColumn(Check):
    """A primary key, unique constraint or unique index on tenant data omits the tenant.

    Why it matters:
    Uniqueness is checked against every row, whatever row level security hides. If tenant
    A may write a globally unique column, the duplicate-key error (PostgreSQL hides the
    key in DETAIL on RLS tables, but names the constraint) answers "does this e-mail,
    slug or id exist in some other tenant?". Include the tenant column, or keep such
    columns out of the API roles' reach. Reported only where an API role can set one of
    the key's columns (INSERT, or UPDATE of that column).

    Anti-pattern:
    CREATE TABLE users (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, email text UNIQUE);

    Best practice:
    CREATE TABLE users (id uuid, tenant_id uuid NOT NULL, email text,
      PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, email));

    References:
    pgrls SEC035; PostgreSQL CREATE POLICY notes (inferring existence through duplicate
    keys); ANCHORS pitfall 27
    """

    id = "RLS061"
    name = "unique-without-tenant-column"
    severity = Severity.HIGH
    category = Category.DISCLOSURE
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            key = s.tenant_key(table)
            if key is None or table.is_partition:  # partitions repeat the parent's keys
                continue
            for name, kind, columns, definition in _unique_keys(s, table):
                if key in columns or not _settable(s, table, columns):
                    continue
                yield self.finding(
                    relation_ref(table),
                    f"{kind} {name} ({', '.join(columns)}) on {table.qualified_name} is unique "
                    f"across all tenants and the API roles can write it: a duplicate-key error "
                    "tells a tenant the value exists elsewhere",
                    discriminator=name,
                    evidence=Evidence(
                        observed=definition, expected=f"({key}, {', '.join(columns)})"
                    ),
                    remediation=_remedy(s, table, key, name, kind, columns, definition),
                )


def _unique_keys(s: Scope, table: Table) -> list[tuple[str, str, tuple[str, ...], str]]:
    out = []
    names = set()
    for c in s.catalog.constraints_on(table):
        if c.type in ("primary key", "unique"):
            out.append((c.name, c.type, c.columns, f"CONSTRAINT {c.name} {c.definition}"))
            names.add(c.name)
    for i in s.catalog.indexes_on(table):
        if i.unique and i.valid and i.name not in names:
            out.append((i.name, "unique index", i.columns, i.definition))
    return out


def _settable(s: Scope, table: Table, columns: tuple[str, ...]) -> bool:
    for role in s.api_roles:
        cols = s.writable_columns(table, role)
        if cols is None or any(_names(col, c) for c in cols for col in columns):
            return True
    return False


def _names(key_part: str, column: str) -> bool:
    """The key part (a column or an index expression) is or uses the column."""
    return key_part == column or (not key_part.isidentifier() and column in key_part)


def _remedy(
    s: Scope,
    table: Table,
    key: str,
    name: str,
    kind: str,
    columns: tuple[str, ...],
    definition: str,
) -> Remediation:
    if table.tenant_column is None:  # the tenants table: its unique columns are global routes
        return _restrict_writes(s, table, key, columns)
    if kind == "primary key" or any(not c.isidentifier() for c in columns):
        return _fix.advice(
            f"Make the key ({key}, {', '.join(columns)}) and reference it with composite foreign "
            "keys (RLS060); until then, do not let the API roles choose these values."
        )
    scoped = {key, *columns}
    exists = any(set(k[2]) == scoped and k[0] != name for k in _unique_keys(s, table))
    drop = (
        sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(_fix.rel(table), sql.Identifier(name))
        if kind != "unique index"
        else sql.SQL("DROP INDEX {}").format(sql.Identifier(table.schema, name))
    )
    parts: list[_fix.Part] = [drop]
    if not exists:
        nnd = sql.SQL(" NULLS NOT DISTINCT") if "NULLS NOT DISTINCT" in definition else sql.SQL("")
        parts.append(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE{} ({})").format(
                _fix.rel(table), sql.Identifier(name), nnd, _fix.columns((key, *columns))
            )
        )
    return _fix.fix(f"Scope the key by {key}.", *parts)


def _restrict_writes(s: Scope, table: Table, key: str, columns: tuple[str, ...]) -> Remediation:
    """The tenants table: keep every globally unique column out of the API roles' writes."""
    grants = s.api_grants(table.qualified_name, ("INSERT", "UPDATE"))
    parts: list[_fix.Part] = [*_fix.revoke(_fix.rel(table), grants)]
    updaters = sorted(
        {g.grantee for g in grants if g.privilege == "UPDATE" and g.column is None}
        & set(s.signed_in)
    )
    unique = {c for k in _unique_keys(s, table) if key not in k[2] for c in k[2]}
    keep = [c.name for c in table.columns if c.name != key and c.name not in unique]
    if updaters and keep:
        parts.append(
            sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                _fix.columns(keep), _fix.rel(table), _fix.roles(updaters)
            )
        )
    return _fix.fix(
        f"Keep the globally unique columns of {table.qualified_name} out of the API roles' "
        "writes (INSERT revoked; UPDATE granted to the signed-in roles on the other columns).",
        *parts,
    )
