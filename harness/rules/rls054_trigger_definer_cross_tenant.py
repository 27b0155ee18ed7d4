"""RLS054: triggers on tenant tables that run as their owner or write other tenant tables."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from ._scope import function_ref, reads_tenant_context, scope, touched_relations


class TriggerDefinerCrossTenant(Check):
    """A trigger on tenant tables runs SECURITY DEFINER or writes other tenant tables.

    Why it matters:
    A trigger runs on every tenant's writes. When its function is SECURITY DEFINER it
    acts with its owner's rights, usually past row level security, and when it writes
    another tenant table it decides which tenant the new rows belong to. If it takes that
    tenant from the caller's context rather than from the changed row (NEW/OLD), a write
    by a platform job or another tenant files rows under the wrong tenant (medium). The
    bundled schema's audit trigger is a SECURITY DEFINER writer of audit_logs by design,
    taking the tenant from the row; it is reported as low for review, and the dynamic
    probes check that its entries land in the row's tenant.

    Anti-pattern:
    CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
      INSERT INTO audit_logs (tenant_id, ...) VALUES (current_tenant(), ...);
      RETURN NEW;
    END $$;

    Best practice:
    CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = '' AS $$
    BEGIN
      INSERT INTO public.audit_logs (tenant_id, ...) VALUES (NEW.tenant_id, ...);
      RETURN NEW;
    END $$;

    References:
    pgrls SEC013; ANCHORS pitfall 36
    """

    id = "RLS054"
    name = "trigger-definer-cross-tenant"
    severity = Severity.MEDIUM
    category = Category.INTEGRITY
    applies_to = ("function",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        tenant_tables = {t.qualified_name for t in s.tenant_scoped}
        on: dict[str, list[str]] = {}
        for trig in ctx.triggers:
            if trig.table_name in tenant_tables:
                on.setdefault(trig.function, []).append(trig.table_name)
        for signature, tables in sorted(on.items()):
            fn = ctx.function(signature)
            if fn is None:
                continue
            writes = sorted(
                t.qualified_name
                for t, written in touched_relations(s, fn)
                if written and t.qualified_name in tenant_tables and t.qualified_name not in tables
            )
            if not fn.security_definer and not writes:
                continue
            caller_context = reads_tenant_context(s, fn)
            what = [
                "runs SECURITY DEFINER" if fn.security_definer else "",
                f"writes {', '.join(writes)}" if writes else "",
                "takes the tenant from the caller's context" if caller_context else "",
            ]
            yield self.finding(
                function_ref(fn),
                f"trigger function {fn.signature} on {len(tables)} tenant table"
                f"{'s' if len(tables) > 1 else ''} {', '.join(w for w in what if w)}",
                severity=None if caller_context else Severity.LOW,
                evidence=Evidence(
                    observed=f"prosecdef = {str(fn.security_definer).lower()}, owner {fn.owner}",
                    details={"tables": sorted(tables), "writes": writes},
                ),
                remediation="Take the tenant of written rows from NEW/OLD, pin search_path, and "
                "keep SECURITY DEFINER only where the trigger must write what callers cannot.",
            )
