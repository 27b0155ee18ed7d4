"""RLS035: a view that filters tenant data lacks security_barrier."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql
from sqlglot import exp

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix, _predicate
from ._scope import qualified_ref, scope


class ViewWithoutBarrier(Check):
    """A view with a WHERE clause over tenant data is not a security barrier.

    Why it matters:
    Without `security_barrier` the planner may push a caller's function call below the
    view's WHERE clause, so a function that raises or notices its argument sees rows the
    view was meant to hide. Row level security quals are always barriers; this matters
    when the view's own filter hides rows (soft-deleted, unpublished) from its readers.
    Low: it needs a caller able to run its own non-leakproof function on the rows.

    Anti-pattern:
    CREATE VIEW public.active_users WITH (security_invoker = true) AS
      SELECT * FROM users WHERE deleted_at IS NULL;

    Best practice:
    CREATE VIEW public.active_users WITH (security_invoker = true, security_barrier = true) AS
      SELECT * FROM users WHERE deleted_at IS NULL;

    References:
    pgrls VIEW002; https://www.postgresql.org/docs/current/rules-privileges.html;
    ANCHORS pitfall 15
    """

    id = "RLS035"
    name = "view-without-barrier"
    severity = Severity.LOW
    category = Category.DISCLOSURE
    applies_to = ("view",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for view in ctx.views:
            if (
                view.security_barrier
                or not view.security_invoker
                or view.qualified_name not in s.tenant_data
                or not s.api_grants(view.qualified_name, ("SELECT",))
            ):
                continue
            tree = _predicate.parse(view.definition.strip().rstrip(";"))
            if tree is None or not any(True for _ in tree.find_all(exp.Where)):
                continue
            yield self.finding(
                qualified_ref("view", view.qualified_name),
                f"view {view.qualified_name} filters tenant rows with WHERE but is not a "
                "security barrier",
                evidence=Evidence(
                    observed=view.definition.strip(), expected="security_barrier = true"
                ),
                remediation=_fix.fix(
                    "Mark the view as a security barrier.",
                    sql.SQL("ALTER VIEW {} SET (security_barrier = true)").format(
                        _fix.rel(view.qualified_name)
                    ),
                    safe=True,
                ),
            )
