"""RLS301: a tenant table read or changed without a predicate pinning it to one tenant."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, ObjectRef, Remediation, Severity
from .names import start_offset
from .refs import Ref
from .statement import Statement

_WHY = {
    "none": "no predicate restricts {col} to a single tenant",
    "or": "an OR branch lets rows through without the restriction on {col}",
    "multi": "{col} is compared with a list of tenants, not one",
}


class MissingTenantPredicate(Check):
    """Tenant table referenced without a tenant predicate.

    Why it matters:
        Row-level security is the last line of defence, not the only one: the service
        role, the schema owner, SECURITY DEFINER functions, materialized views, a policy
        dropped by a migration and every role with BYPASSRLS see all tenants. A query that
        filters by tenant itself stays correct there, and lets the planner use the
        tenant-leading indexes. Every reference counts: each CTE, subquery, UNION branch
        and LATERAL, the target of UPDATE, DELETE and MERGE, and the tables of UPDATE ...
        FROM and DELETE ... USING. A join on id alone does not restrict the joined table,
        an OR can let other tenants' rows through, and `tenant_id = tenant_id` or
        `tenant_id IS NOT NULL` restrict nothing.

    Anti-pattern:
        SELECT s.name, c.name
          FROM students s
          JOIN classes c ON c.id = s.class_id        -- classes of every tenant
         WHERE s.tenant_id = $1 OR s.status = 'demo'; -- the OR reads every tenant

    Best practice:
        SELECT s.name, c.name
          FROM students s
          JOIN classes c ON c.tenant_id = s.tenant_id AND c.id = s.class_id
         WHERE s.tenant_id = $1 AND (s.status = 'active' OR s.status = 'demo');

    References:
        https://www.postgresql.org/docs/current/ddl-rowsecurity.html
        https://www.postgresql.org/docs/current/queries-table-expressions.html
    """

    id = "RLS301"
    name = "missing-tenant-predicate"
    severity = Severity.HIGH
    category = Category.QUERY
    references = (
        "https://www.postgresql.org/docs/current/ddl-rowsecurity.html",
        "https://www.postgresql.org/docs/current/queries-table-expressions.html",
    )

    def check(self, ctx: Statement) -> Iterator[Finding]:
        for n, ref in enumerate(ctx.analysis.unrestricted):
            yield self._finding(ctx, ref, n)

    def _finding(self, ctx: Statement, ref: Ref, n: int) -> Finding:
        table = ref.table
        col = f"{ref.alias}.{table.tenant_column}"
        named = table.qualified_name + (f" (as {ref.alias})" if ref.alias != table.name else "")
        why = _WHY[ref.reason].format(col=col)
        offset = start_offset(ref.node)
        if ref.action == "truncated":
            fix = f"delete the tenant's rows instead: DELETE FROM ... WHERE {ref.fix}"
        elif ref.action == "the source of a MERGE":
            fix = f"read it through a subquery that filters it: USING (SELECT ... WHERE {ref.fix})"
        elif ref.clause == "ON":
            fix = f"add `{ref.fix}` to the ON clause of its JOIN"
        else:
            fix = f"add `AND {ref.fix}` to the WHERE clause of this query block"
        if ref.reason == "or":
            fix += ", outside the OR"
        return self.finding(
            ObjectRef("table", table.schema, table.name),
            f"{named} is {ref.action}{ctx.where}: {why}",
            evidence=Evidence(
                sql=ctx.quote(),
                expected=f"{col} restricted to one tenant value",
                observed=why,
            ),
            remediation=Remediation(fix[0].upper() + fix[1:] + "."),
            location=ctx.location(offset),
            discriminator=ctx.discriminator(ref.alias, str(n)),
        )
