"""RLS303: a statement the parser cannot read, so nothing about it is known."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import (
    Category,
    Evidence,
    Finding,
    ObjectRef,
    Outcome,
    Remediation,
    Severity,
)
from .statement import Statement


class UnparseableStatement(Check):
    """Statement could not be parsed, so its tenant filtering is unknown.

    Why it matters:
        What the lint cannot read it cannot check: an unparseable statement may hide an
        unrestricted tenant table. It is reported as inconclusive, never passed in
        silence; the lint goes on with the next statement.

    Anti-pattern:
        SELEC * FROM students WHERE tenant_id = $1;  -- typo: the statement is not SQL

    Best practice:
        SELECT * FROM students WHERE tenant_id = $1;
        -- or, for valid PostgreSQL the parser does not know yet:
        -- rls-audit: ignore[RLS303] uses syntax the parser lacks; reviewed by hand

    References:
        https://sqlglot.com/sqlglot/parser.html
    """

    id = "RLS303"
    name = "unparseable-statement"
    severity = Severity.MEDIUM
    category = Category.QUERY
    references = ("https://sqlglot.com/sqlglot/parser.html",)

    def check(self, ctx: Statement) -> Iterator[Finding]:
        if ctx.error is None:
            return
        if ctx.error.dynamic:
            what = "could not be analysed"
            fix = (
                "Name the table in the SQL text (psycopg: sql.Identifier with a constant), "
                "or suppress with a reason if it is never a tenant table."
            )
        else:
            what = "could not be parsed"
            fix = "Fix the syntax, or suppress with a reason if PostgreSQL accepts it."
        yield self.finding(
            ObjectRef("query", None, ctx.source.path),
            f"statement{ctx.where} {what}: {ctx.error.message}",
            evidence=Evidence(sql=ctx.quote(), observed=ctx.error.message),
            remediation=Remediation(fix),
            location=ctx.location(ctx.error.offset),
            discriminator=ctx.discriminator("parse"),
            outcome=Outcome.INCONCLUSIVE,
        )
