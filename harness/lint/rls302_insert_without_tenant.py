"""RLS302: an INSERT into a tenant table that does not set the tenant column."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, ObjectRef, Remediation, Severity
from .names import start_offset
from .statement import Statement


class InsertWithoutTenant(Check):
    """INSERT into a tenant table without setting the tenant column.

    Why it matters:
        A row without its tenant belongs to nobody or, through a careless default or a
        trigger, to the wrong tenant; under a policy WITH CHECK it fails at run time
        instead of in review. Naming the tenant column in every INSERT (and every MERGE
        ... THEN INSERT) makes the owner explicit where the row is written.

    Anti-pattern:
        INSERT INTO attendance (student_id, day, status) VALUES ($1, $2, $3);

    Best practice:
        INSERT INTO attendance (tenant_id, student_id, day, status) VALUES ($1, $2, $3, $4);

    References:
        https://www.postgresql.org/docs/current/sql-insert.html
        https://www.postgresql.org/docs/current/sql-createpolicy.html
    """

    id = "RLS302"
    name = "insert-without-tenant"
    severity = Severity.HIGH
    category = Category.QUERY
    references = (
        "https://www.postgresql.org/docs/current/sql-insert.html",
        "https://www.postgresql.org/docs/current/sql-createpolicy.html",
    )

    def check(self, ctx: Statement) -> Iterator[Finding]:
        for n, missing in enumerate(ctx.analysis.missing_tenant):
            table = missing.table
            yield self.finding(
                ObjectRef("table", table.schema, table.name),
                f"INSERT into {table.qualified_name}{ctx.where} does not set "
                f"{table.tenant_column}: {missing.detail}",
                evidence=Evidence(
                    sql=ctx.quote(),
                    expected=f"{table.tenant_column} set to the tenant",
                    observed=missing.detail,
                ),
                remediation=Remediation(
                    f"Name {table.tenant_column} in the column list and give it the tenant "
                    "(a parameter or the context function)."
                ),
                location=ctx.location(start_offset(missing.node)),
                discriminator=ctx.discriminator("insert", str(n)),
            )
