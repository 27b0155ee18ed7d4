"""RLS056: functions in exposed schemas executable by anon or PUBLIC."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, Function
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Remediation, Severity
from . import _fix
from ._scope import Scope, function_ref, policy_functions, scope, search_path


class FunctionExecutableByAnon(Check):
    """A function in an exposed schema may be executed by anon, directly or through PUBLIC.

    Why it matters:
    PostgreSQL grants EXECUTE to PUBLIC on every new function, and an API like PostgREST
    exposes every function of its schemas as an RPC endpoint, so testing, maintenance and
    platform helpers become callable by anyone, signed in or not. Each function should be
    granted explicitly to the roles that need it. Medium for SECURITY DEFINER or VOLATILE
    functions (they act with other rights or change state), low otherwise.

    Anti-pattern:
    CREATE FUNCTION create_test_tenant(name text) RETURNS uuid ...;  -- EXECUTE to PUBLIC

    Best practice:
    REVOKE EXECUTE ON FUNCTION create_test_tenant(text) FROM PUBLIC, anon;
    GRANT EXECUTE ON FUNCTION create_test_tenant(text) TO service_role;

    References:
    Supabase splinter 0028 anon_security_definer_function_executable; pgrls SEC014
    """

    id = "RLS056"
    name = "function-executable-by-anon"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        if s.anon is None:
            return
        needed = _needed_by_policies(s)
        for fn in ctx.functions:
            if not s.exposed(fn.schema):
                continue
            grantees = sorted(s.holders(s.anon).intersection(fn.executable_by))
            if not grantees:
                continue
            risky = (
                fn.security_definer or fn.volatility == "volatile"
            ) and fn.return_type != "trigger"
            yield self.finding(
                function_ref(fn),
                f"anon may execute {fn.signature} (EXECUTE granted to {', '.join(grantees)})",
                severity=None if risky else Severity.LOW,
                evidence=Evidence(observed=f"EXECUTE: {', '.join(fn.executable_by)}"),
                remediation=_remedy(s, fn, grantees, fn.signature in needed),
            )


def _remedy(s: Scope, fn: Function, grantees: list[str], needed: bool) -> Remediation:
    keep = set()
    if "PUBLIC" in grantees:
        if needed:
            keep.update(s.signed_in)
        if any(r.name == "service_role" for r in s.catalog.roles):
            keep.add("service_role")
    keep -= set(fn.executable_by)
    parts = [
        sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM {}").format(_fix.func(fn), _fix.roles(grantees))
    ]
    if keep:
        parts.append(
            sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(_fix.func(fn), _fix.roles(keep))
        )
    return _fix.fix(
        "Revoke EXECUTE from PUBLIC and anon; grant it to the roles that need it (policies need "
        "their functions executable by the signed-in roles).",
        *parts,
    )


def _needed_by_policies(s: Scope) -> set[str]:
    """Signatures of functions policies call, and the invoker functions those call."""
    todo = [f for name in policy_functions(s) for f in s.resolve_function(name, [])]
    found: set[str] = set()
    while todo:
        fn = todo.pop()
        if fn.signature in found:
            continue
        found.add(fn.signature)
        if not fn.security_definer:
            for call in s.body(fn).calls:
                todo.extend(s.resolve_function(call.name, search_path(fn)))
    return found
