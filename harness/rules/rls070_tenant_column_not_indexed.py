"""RLS070: no index leads with the tenant column."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref, scope


class TenantColumnNotIndexed(Check):
    """No valid index of a tenant table has the tenant column as its first key.

    Why it matters:
    Every query of every tenant filters by the tenant column, through the policies if not
    explicitly. Without an index led by it, each query scans the rows of all tenants;
    published measurements show 100x and more on large tables, and the cost grows with
    the other tenants' data, not one's own. The primary key (tenant_id, id) is the
    simplest such index.

    Anti-pattern:
    CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, created_at timestamptz);

    Best practice:
    CREATE INDEX orders_tenant_id_idx ON orders (tenant_id);
    -- or PRIMARY KEY (tenant_id, id)

    References:
    pgrls PERF003; GaryAustin1/RLS-Performance (index on the policy column, 171 ms to
    under 0.1 ms); ANCHORS pitfall 24
    """

    id = "RLS070"
    name = "tenant-column-not-indexed"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in s.tenant_scoped:
            key = s.tenant_key(table)
            if key is None or table.kind == "foreign table" or table.is_partition:
                continue
            indexes = ctx.indexes_on(table)
            if any(i.valid and i.leading_column == key for i in indexes):
                continue
            name = f"{table.name}_{key}_idx"[:63]
            yield self.finding(
                relation_ref(table),
                f"no index of {table.qualified_name} starts with {key}: every tenant's queries "
                "scan all tenants' rows",
                evidence=Evidence(
                    observed="\n".join(i.definition for i in indexes) or "no index",
                    expected=f"an index on ({key}, ...)",
                ),
                remediation=_fix.fix(
                    f"Index {key} (or lead the primary key with it); on a live table build it "
                    "CONCURRENTLY outside a transaction.",
                    sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                        sql.Identifier(name), _fix.rel(table), sql.Identifier(key)
                    ),
                    safe=True,
                ),
            )
