"""RLS021: a function that returns the context to policies is not STABLE."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import function_ref, policy_functions, scope


class ContextFunctionNotStable(Check):
    """A function that policies call to read the session context is VOLATILE or IMMUTABLE.

    Why it matters:
    IMMUTABLE promises the result depends only on the arguments: the planner may fold the
    call into a constant when it plans, and a plan cached by a prepared statement or a
    PL/pgSQL function then carries one tenant's id into another tenant's execution (high).
    VOLATILE forces evaluation for every row and blocks index use on the comparison
    (medium). A function that reads settings of the current statement is STABLE.

    Anti-pattern:
    CREATE FUNCTION app.tenant() RETURNS uuid LANGUAGE sql IMMUTABLE
      AS $$ SELECT current_setting('app.current_tenant_id', true)::uuid $$;

    Best practice:
    CREATE FUNCTION app.tenant() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.current_tenant_id', true), '')::uuid $$;

    References:
    pgrls PERF002/SEC046; https://www.postgresql.org/docs/current/xfunc-volatility.html;
    ANCHORS pitfall 23
    """

    id = "RLS021"
    name = "context-function-not-stable"
    severity = Severity.MEDIUM
    category = Category.PERFORMANCE
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for name, policies in sorted(policy_functions(s).items()):
            if name not in s.context_functions:
                continue
            for fn in s.resolve_function(name, []):
                if fn.volatility == "stable":
                    continue
                immutable = fn.volatility == "immutable"
                yield self.finding(
                    function_ref(fn),
                    f"{fn.signature} returns the session context to the policies of "
                    f"{', '.join(sorted({p.table_name for p in policies}))} but is "
                    f"{fn.volatility.upper()}",
                    severity=Severity.HIGH if immutable else None,
                    evidence=Evidence(observed=f"provolatile = {fn.volatility}", expected="stable"),
                    remediation=_fix.fix(
                        "Declare the function STABLE.",
                        sql.SQL("ALTER FUNCTION {} STABLE").format(_fix.func(fn)),
                    ),
                )
