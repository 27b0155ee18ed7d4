"""RLS023: a function sets the tenant context for the session, not the transaction."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import api_executors, function_ref, scope, sets_context


class ContextSetSessionLevel(Check):
    """A function sets the tenant context at session level (set_config(..., false) or SET).

    Why it matters:
    A session-level setting survives COMMIT. Behind a transaction-mode pooler (PgBouncer,
    Supavisor, RDS Proxy) the next transaction on that server connection belongs to
    another client; if it sets no context of its own, it runs as the previous tenant and
    sees that tenant's rows. Set the context with `set_config(name, value, true)` (or SET
    LOCAL) so it ends with the transaction. High when the API roles may call the
    function, medium otherwise.

    Anti-pattern:
    PERFORM set_config('app.current_tenant_id', v_tenant::text, false);

    Best practice:
    PERFORM set_config('app.current_tenant_id', v_tenant::text, true);

    References:
    ANCHORS pitfall 33 (no peer detects pooler leakage); pgrls SEC055 (binding form);
    https://www.pgbouncer.org/features.html
    """

    id = "RLS023"
    name = "context-set-session-level"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for fn in ctx.functions:
            found = [(n, text) for n, local, text in sets_context(s, fn) if local is not True]
            session = [n for n, _ in found]
            if not session:
                continue
            callers = api_executors(s, fn)
            yield self.finding(
                function_ref(fn),
                f"{fn.signature} sets {', '.join(sorted(set(session)))} for the whole session: "
                "on a pooled connection the next client inherits this tenant context",
                severity=None if callers else Severity.MEDIUM,
                evidence=Evidence(
                    observed="\n".join(text for _, text in found),
                    expected="set_config(..., true) or SET LOCAL",
                ),
                remediation=_fix.advice(
                    "Pass true as set_config's third argument (or use SET LOCAL) so the "
                    "context ends with the transaction."
                ),
            )
