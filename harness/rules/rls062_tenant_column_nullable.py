"""RLS062: the tenant column of a tenant table accepts NULL."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import relation_ref


class TenantColumnNullable(Check):
    """The tenant column is nullable.

    Why it matters:
    A row without a tenant belongs to nobody: `tenant_id = ctx` never matches it, so it
    vanishes for every tenant, while any policy or query written as `tenant_id IS NULL OR
    ...` (shared rows) shows it to all of them. Composite foreign keys are not checked
    for rows with a NULL column, so such rows also escape the tenant-scoped references.
    Low when the column has a domain type, which may itself be NOT NULL.

    Anti-pattern:
    CREATE TABLE audit_logs (id uuid PRIMARY KEY, tenant_id uuid REFERENCES tenants (id));

    Best practice:
    ALTER TABLE audit_logs ALTER COLUMN tenant_id SET NOT NULL;

    References:
    ANCHORS pitfall 8 (rows outside every tenant); pgrls HYG rules on tenant columns
    """

    id = "RLS062"
    name = "tenant-column-nullable"
    severity = Severity.MEDIUM
    category = Category.INTEGRITY
    applies_to = ("table",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        for table in ctx.tenant_tables():
            column = table.column(table.tenant_column or "")
            skip = table.kind == "foreign table" or table.is_partition  # the parent is reported
            if column is None or column.not_null or skip:
                continue
            domain = "." in column.type
            yield self.finding(
                relation_ref(table),
                f"{table.qualified_name}.{column.name} accepts NULL: such rows belong to no tenant",
                severity=Severity.LOW if domain else None,
                evidence=Evidence(
                    observed=f"{column.name} {column.type} NULL", expected="NOT NULL"
                ),
                remediation=_fix.fix(
                    "Make the tenant column NOT NULL (assign or delete NULL rows first).",
                    sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(
                        _fix.rel(table), sql.Identifier(column.name)
                    ),
                ),
            )
