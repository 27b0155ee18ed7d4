"""RLS053: an IMMUTABLE function that reads session state."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import function_ref, policy_functions, scope


class ImmutableReadsSession(Check):
    """An IMMUTABLE function reads settings, the JWT or other session state.

    Why it matters:
    IMMUTABLE tells the planner the result depends on the arguments only, so a call with
    constant arguments is folded into a constant when a statement is planned; plans
    cached by prepared statements and PL/pgSQL then reuse the value of the session that
    planned them. A function reading the tenant or the user from the session returns the
    first tenant's value to the next one, and index expressions built on it are wrong.
    (Functions the policies use for the context are reported by RLS021 instead.)

    Anti-pattern:
    CREATE FUNCTION app.current_tenant() RETURNS uuid LANGUAGE sql IMMUTABLE
      AS $$ SELECT current_setting('app.current_tenant_id', true)::uuid $$;

    Best practice:
    ALTER FUNCTION app.current_tenant() STABLE;

    References:
    pgrls SEC046; https://www.postgresql.org/docs/current/xfunc-volatility.html;
    ANCHORS pitfall 23
    """

    id = "RLS053"
    name = "immutable-reads-session"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        in_policies = set(policy_functions(s))
        for fn in ctx.functions:
            name = f"{fn.schema}.{fn.name}"
            if fn.volatility != "immutable" or name in in_policies:
                continue
            kind = s.context_functions.get(name)
            if kind is None:
                continue
            yield self.finding(
                function_ref(fn),
                f"{fn.signature} is IMMUTABLE but reads the session's {kind} context",
                evidence=Evidence(observed="provolatile = immutable", expected="stable"),
                remediation=_fix.fix(
                    "Declare it STABLE.",
                    sql.SQL("ALTER FUNCTION {} STABLE").format(_fix.func(fn)),
                    safe=True,
                ),
            )
