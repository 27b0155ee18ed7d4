"""RLS063: a tenant column that references no tenants table."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref, scope


class TenantColumnWithoutFk(Check):
    """The tenant column has no foreign key to the tenants table.

    Why it matters:
    Without a foreign key a row may name a tenant that does not exist (yet): a typo, a
    deleted tenant, or a tenant id created later for someone else, who then inherits the
    rows. Deleting a tenant also leaves its rows behind. The tenants table is found as
    the table the other tenant columns reference.

    Anti-pattern:
    CREATE TABLE platform_subscriptions (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);

    Best practice:
    ALTER TABLE platform_subscriptions ADD FOREIGN KEY (tenant_id)
      REFERENCES tenants (id) ON DELETE CASCADE;

    References:
    ANCHORS pitfall 8; no peer checks the tenant column's integrity
    """

    id = "RLS063"
    name = "tenant-column-without-fk"
    severity = Severity.MEDIUM
    category = Category.INTEGRITY
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        root = next(iter(s.roots.items()), None)
        for table in ctx.tenant_tables():
            key = table.tenant_column or ""
            if table.is_partition or table.kind == "foreign table":
                continue
            if any(c.type == "foreign key" and key in c.columns for c in ctx.constraints_on(table)):
                continue
            if root is None:
                remedy = _fix.advice(f"Add a foreign key from {key} to the tenants table.")
            else:
                name = f"{table.name}_{key}_fkey"[:63]
                remedy = _fix.fix(
                    f"Reference {root[0]} from {key} (fails while orphan rows exist).",
                    sql.SQL(
                        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})"
                    ).format(
                        _fix.rel(table),
                        sql.Identifier(name),
                        sql.Identifier(key),
                        _fix.rel(root[0]),
                        sql.Identifier(root[1]),
                    ),
                )
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name}.{key} references no tenants table"
                + (f" ({root[0]})" if root else ""),
                evidence=Evidence(observed=f"no foreign key includes {key}"),
                remediation=remedy,
            )
