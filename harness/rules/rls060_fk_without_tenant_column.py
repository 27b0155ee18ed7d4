"""RLS060: a foreign key between tenant tables that does not carry the tenant."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, Constraint, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Remediation, Severity
from . import _fix
from ._scope import Scope, relation_ref, scope


class FkWithoutTenantColumn(Check):
    """A foreign key between tenant tables does not include the tenant column on both sides.

    Why it matters:
    `users.branch_id REFERENCES branches (id)` lets a row of tenant A point at a branch of
    tenant B, and foreign key checks bypass row level security: the insert succeeds for
    an existing id of any tenant and fails for an unknown one, which tells A which ids
    exist elsewhere; B's deletes cascade into, or are blocked by, A's rows. A composite
    key `(tenant_id, branch_id) REFERENCES branches (tenant_id, id)` keeps every reference
    inside its tenant. High when the API roles may write the referencing columns.

    Anti-pattern:
    CREATE TABLE users (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,
      branch_id uuid REFERENCES branches (id));

    Best practice:
    ALTER TABLE branches ADD UNIQUE (tenant_id, id);
    ALTER TABLE users ADD FOREIGN KEY (tenant_id, branch_id)
      REFERENCES branches (tenant_id, id) ON DELETE SET NULL (branch_id);

    References:
    pgrls SEC047; PostgreSQL docs 5.8 (referential integrity checks bypass RLS);
    ANCHORS pitfall 28
    """

    id = "RLS060"
    name = "fk-without-tenant-column"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            if table.is_partition:
                continue  # partitions carry clones of their parent's keys: reported once there
            key = s.tenant_key(table)
            for c in ctx.constraints_on(table):
                ref = ctx.find_table(c.referenced_table or "")
                ref_key = s.tenant_key(ref) if ref is not None else None
                if c.type != "foreign key" or ref is None or ref_key is None or key is None:
                    continue
                if key in c.columns and c.referenced_columns[c.columns.index(key)] == ref_key:
                    continue
                writable = _writable(s, table, c.columns)
                yield self.finding(
                    relation_ref(table),
                    f"foreign key {c.name} ({', '.join(c.columns)}) -> {c.referenced_table} "
                    f"({', '.join(c.referenced_columns)}) does not include {key}: rows can "
                    "reference another tenant's rows, and the check reveals which keys exist",
                    discriminator=c.name,
                    severity=None if writable else Severity.MEDIUM,
                    evidence=Evidence(
                        observed=f"CONSTRAINT {c.name} {c.definition}",
                        expected=f"FOREIGN KEY ({key}, ...) REFERENCES {c.referenced_table} "
                        f"({ref_key}, ...)",
                    ),
                    remediation=_remedy(s, table, key, c, ref, ref_key),
                )


def _writable(s: Scope, table: Table, columns: tuple[str, ...]) -> bool:
    for role in s.api_roles:
        cols = s.writable_columns(table, role)
        if cols is None or cols.intersection(columns):
            return True
    return False


def _remedy(
    s: Scope, table: Table, key: str, c: Constraint, ref: Table, ref_key: str
) -> Remediation:
    cols = (key, *c.columns)
    ref_cols = (ref_key, *c.referenced_columns)
    parts: list[_fix.Part] = []
    if not _has_unique(s, ref, ref_cols):
        name = f"{ref.name}_{'_'.join(ref_cols)}_key"[:63]
        parts.append(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})").format(
                _fix.rel(ref), sql.Identifier(name), _fix.columns(ref_cols)
            )
        )
    actions = sql.SQL("")
    if c.on_delete and c.on_delete != "NO ACTION":
        nulls = c.on_delete in ("SET NULL", "SET DEFAULT")
        actions = sql.SQL(" ON DELETE {}{}").format(
            sql.SQL(c.on_delete),
            sql.SQL(" ({})").format(_fix.columns(c.columns)) if nulls else sql.SQL(""),
        )
    if c.on_update and c.on_update not in ("NO ACTION", "SET NULL", "SET DEFAULT"):
        actions = sql.SQL("{} ON UPDATE {}").format(actions, sql.SQL(c.on_update))
    parts.append(
        sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(_fix.rel(table), sql.Identifier(c.name))
    )
    parts.append(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){}").format(
            _fix.rel(table),
            sql.Identifier(c.name),
            _fix.columns(cols),
            _fix.rel(ref),
            _fix.columns(ref_cols),
            actions,
        )
    )
    return _fix.fix(
        "Reference the parent by (tenant, key), so a row can only point inside its tenant "
        "(fails if rows already point across tenants: fix those first).",
        *parts,
    )


def _has_unique(s: Scope, table: Table, columns: tuple[str, ...]) -> bool:
    wanted = set(columns)
    for c in s.catalog.constraints_on(table):
        if c.type in ("primary key", "unique") and set(c.columns) == wanted:
            return True
    return any(
        i.unique and i.valid and i.predicate is None and set(i.columns) == wanted
        for i in s.catalog.indexes_on(table)
    )
