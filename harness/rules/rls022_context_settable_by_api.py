"""RLS022: the API roles may call a function that sets the tenant context."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import api_executors, function_ref, scope, sets_context


class ContextSettableByApi(Check):
    """A function that sets the tenant context is executable by the API roles.

    Why it matters:
    The tenant context is set by the trusted server, per transaction, from the verified
    session. A function the API roles may call that sets it (with set_config or SET)
    hands that decision to the caller: depending on what it trusts, a tenant switches
    itself into another tenant's context, or leaves a context behind on a pooled
    connection. Such helpers are for the platform (service_role) or development only.

    Anti-pattern:
    CREATE FUNCTION dev_set_tenant_context(slug text) RETURNS void LANGUAGE plpgsql AS
      $$ BEGIN PERFORM set_config('app.current_tenant_id', ..., false); END $$;
    -- EXECUTE left to PUBLIC

    Best practice:
    REVOKE EXECUTE ON FUNCTION dev_set_tenant_context(text) FROM PUBLIC, anon, authenticated;
    GRANT EXECUTE ON FUNCTION dev_set_tenant_context(text) TO service_role;

    References:
    pgrls SEC018/SEC019 (context binding hygiene); ANCHORS pitfalls 33 and 34
    """

    id = "RLS022"
    name = "context-settable-by-api"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for fn in ctx.functions:
            sets = sets_context(s, fn)
            callers = api_executors(s, fn)
            if not sets or not callers:
                continue
            grantees = [g for g in fn.executable_by if g == "PUBLIC" or g in s.api_roles]
            grantees += [
                g
                for g in fn.executable_by
                if g not in grantees and any(g in s.holders(r) for r in callers)
            ]
            yield self.finding(
                function_ref(fn),
                f"{fn.signature} sets {', '.join(sorted({n for n, _, _ in sets}))} and "
                f"{', '.join(callers)} may execute it",
                evidence=Evidence(
                    observed="\n".join(text for _, _, text in sets)
                    + f"\nEXECUTE granted to {', '.join(fn.executable_by)}",
                    expected="only the platform role may set the tenant context",
                ),
                remediation=_fix.fix(
                    "Revoke EXECUTE from PUBLIC and the API roles.",
                    sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM {}").format(
                        _fix.func(fn), _fix.roles(grantees)
                    ),
                ),
            )
