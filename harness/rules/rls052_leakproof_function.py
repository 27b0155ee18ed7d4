"""RLS052: a user-defined function marked LEAKPROOF."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import function_ref


class LeakproofFunction(Check):
    """A user-defined function is marked LEAKPROOF.

    Why it matters:
    The planner may evaluate LEAKPROOF functions before row level security quals and
    security-barrier filters, on rows the caller is not allowed to see. That is safe only
    if the function can reveal nothing about its arguments: no error that quotes them, no
    NOTICE, no side effect. Few user functions qualify, and the flag (settable only by a
    superuser) is easy to set for speed and forget.

    Anti-pattern:
    CREATE FUNCTION same_tenant(a uuid, b uuid) RETURNS boolean LANGUAGE plpgsql LEAKPROOF
      AS $$ BEGIN IF a IS NULL THEN RAISE EXCEPTION 'bad %', b; END IF; RETURN a = b; END $$;

    Best practice:
    ALTER FUNCTION same_tenant(uuid, uuid) NOT LEAKPROOF;

    References:
    pgrls SEC017; https://www.postgresql.org/docs/current/sql-createfunction.html;
    ANCHORS pitfall 20
    """

    id = "RLS052"
    name = "leakproof-function"
    severity = Severity.MEDIUM
    category = Category.DISCLOSURE
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        for fn in ctx.functions:
            if not fn.leakproof:
                continue
            yield self.finding(
                function_ref(fn),
                f"{fn.signature} is LEAKPROOF: it may run on rows that row level security hides",
                evidence=Evidence(observed="proleakproof = true", expected="proleakproof = false"),
                remediation=_fix.fix(
                    "Remove LEAKPROOF unless the function provably reveals nothing about its "
                    "arguments (needs a superuser).",
                    sql.SQL("ALTER FUNCTION {} NOT LEAKPROOF").format(_fix.func(fn)),
                    safe=True,
                ),
            )
