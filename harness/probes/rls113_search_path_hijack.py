"""RLS113: a SECURITY DEFINER function reads a table the caller shadows (sql adversary)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from psycopg import sql

from .. import db
from ..findings.model import Category, Finding, Severity
from ._base import ProbeCheck, evidence, readable
from ._functions import call_statement, callable_functions, calls
from .context import ProbeContext, obj


class SearchPathHijack(ProbeCheck):
    """A SECURITY DEFINER function without a fixed search_path can be fed a caller's table.

    Why it matters:
    Unqualified names in a definer function resolve through the caller's search_path, and
    pg_temp comes first. A caller who creates a temporary table of the same name makes the
    function, running with its owner's rights, read (or write) the caller's table instead.

    Anti-pattern:
    CREATE FUNCTION f(uuid) RETURNS uuid SECURITY DEFINER
    AS $$ SELECT tenant_id FROM users WHERE id = $1 $$ LANGUAGE sql;

    Best practice:
    CREATE FUNCTION f(uuid) RETURNS uuid SECURITY DEFINER SET search_path = ''
    AS $$ SELECT tenant_id FROM public.users WHERE id = $1 $$ LANGUAGE sql;
    """

    id = "RLS113"
    name = "search-path-hijack"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    adversaries = ("sql",)

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        found: list[Finding] = []
        self.scan(ctx, found)
        return iter(found)

    def scan(self, ctx: ProbeContext, found: list[Finding]) -> None:
        for role in ctx.config.roles:
            attacker = ctx.attackers()[0]
            actor = ctx.actor(role, attacker)
            victim = ctx.victims(attacker)[0]
            for f in callable_functions(ctx, role):
                if not f.security_definer or f.search_path is not None:
                    continue
                if any(x.object == obj(f.signature, "function") for x in found):
                    continue
                names = [
                    t
                    for t in readable(ctx)
                    if t.is_table and re.search(rf"\b{re.escape(t.name)}\b", f.source)
                ]
                for rel in names:
                    shadow = sql.SQL("create temp table {} (like {})").format(
                        sql.Identifier(rel.name), sql.Identifier(rel.schema, rel.name)
                    )
                    for args in calls(ctx, f, victim):
                        stmt = call_statement(f, len(args))
                        plain = ctx.observe(actor, stmt, list(args))
                        with db.as_actor(ctx.conn, actor, ctx.config.context):
                            made = ctx.runner.attempt(shadow)
                            hijacked = ctx.runner.attempt(stmt, list(args))
                        if not made.ok or plain.rows == hijacked.rows:
                            continue
                        text = (
                            ctx.runner.render(shadow) + ";\n" + ctx.runner.render(stmt, list(args))
                        )
                        found.append(
                            self.finding(
                                obj(f.signature, "function"),
                                f"{f.signature} reads the caller's temporary {rel.name} instead of "
                                f"{rel.qualified_name}",
                                evidence=evidence(
                                    ctx,
                                    statement=text,
                                    actor=actor,
                                    expected=f"the same result with or without a temporary {rel.name}",  # noqa: E501
                                    observed=f"without: {plain.summary()}; with: {hijacked.summary()}",  # noqa: E501
                                    reproducer=ctx.reproducer(actor, text, tenants=[victim.id]),
                                ),
                                remediation=f"ALTER FUNCTION {f.signature} SET search_path = '' and "  # noqa: E501
                                "schema-qualify every name in its body.",
                                discriminator=role,
                            )
                        )
                        break
                    else:
                        continue
                    break
