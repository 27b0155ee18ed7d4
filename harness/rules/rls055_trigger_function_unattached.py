"""RLS055: a trigger function in an exposed schema that no trigger uses."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from ._scope import function_ref, scope, touched_relations


class TriggerFunctionUnattached(Check):
    """A trigger function exists but no trigger calls it.

    Why it matters:
    An audit or tenant-stamping trigger function that was defined but never attached
    means the protection the schema promises (every change audited, every row stamped
    with its tenant) does not happen, silently. Named here so that a reviewer attaches it
    or drops it.

    Anti-pattern:
    CREATE FUNCTION audit_trigger_function() RETURNS trigger ...;
    -- no CREATE TRIGGER ... EXECUTE FUNCTION audit_trigger_function()

    Best practice:
    CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.users
      FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();

    References:
    SPEC-009 fixture flaw audit-trigger-not-attached; no peer checks it
    """

    id = "RLS055"
    name = "trigger-function-unattached"
    severity = Severity.LOW
    category = Category.HYGIENE
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        used = {t.function for t in ctx.triggers}
        for fn in ctx.functions:
            if fn.return_type != "trigger" or fn.signature in used or not s.exposed(fn.schema):
                continue
            writes = sorted(t.qualified_name for t, w in touched_relations(s, fn) if w)
            yield self.finding(
                function_ref(fn),
                f"trigger function {fn.signature} is attached to no table"
                + (f" (it would write {', '.join(writes)})" if writes else ""),
                evidence=Evidence(observed="no pg_trigger row calls it"),
                remediation="Attach it with CREATE TRIGGER on the tables it serves, or drop it.",
            )
