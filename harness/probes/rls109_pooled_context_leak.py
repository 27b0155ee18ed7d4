"""RLS109: a tenant context outlives its transaction on a pooled connection."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from psycopg import sql

from .. import db
from ..findings.model import Evidence, Finding, Severity
from ._base import ProbeCheck
from ._functions import call_statement, callable_functions, calls
from .context import ProbeContext, obj


class PooledContextLeak(ProbeCheck):
    """A callable function sets the tenant context for the whole session.

    Why it matters:
    Behind a transaction-mode pooler (PgBouncer, Supavisor, RDS Proxy) the next
    transaction on the same server connection belongs to another client. A function that
    runs `set_config(..., false)` (or SET without LOCAL) leaves its tenant context on the
    connection, and the next client's context-less transaction runs as that tenant.

    Anti-pattern:
    PERFORM set_config('app.current_tenant_id', v_tenant::text, false);

    Best practice:
    PERFORM set_config('app.current_tenant_id', v_tenant::text, true);  -- transaction only
    """

    id = "RLS109"
    name = "pooled-context-leak"
    severity = Severity.HIGH

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        attacker = ctx.attackers()[0]
        spec = ctx.config.context
        name = db.CLAIMS_GUC if spec.mode == "jwt" else spec.guc
        seen: set[str] = set()
        for role in ctx.config.roles:
            actor = ctx.actor(role, attacker)
            value = _context_value(actor, spec)
            for f in callable_functions(ctx, role):
                if f.signature in seen:
                    continue
                for args in calls(ctx, f, attacker)[:2]:
                    out, after = self.survives(ctx, actor, f, args, name, value)
                    if out is None or not out.ok or after in (None, "", SENTINEL):
                        continue
                    seen.add(f.signature)
                    text = ctx.runner.render(call_statement(f, len(args)), list(args))
                    prelude = db.reproducer_prelude(actor, spec, ctx.conn)
                    repro = ctx.reproducer(
                        actor,
                        text,
                        tenants=[attacker.id],
                        after=(
                            "COMMIT;\nBEGIN;\n"
                            f"SET LOCAL ROLE {role};\n"
                            f"SELECT current_setting('{name}', true) AS context_in_next_transaction;"  # noqa: E501
                        ),
                    ).replace("ROLLBACK;", "ROLLBACK;\nRESET ALL;")
                    yield self.finding(
                        obj(f.signature, "function"),
                        f"{f.signature} sets {name} for the whole session: the next transaction "
                        "on a pooled connection inherits the tenant context",
                        evidence=Evidence(
                            sql=text,
                            actor=role,
                            tenant=attacker.id,
                            expected=f"{name} back to its previous value when the call's scope ends",  # noqa: E501
                            observed=f"{name} = {after} after the call's scope ended",
                            reproducer=repro,
                            details={"prelude": prelude},
                        ),
                        remediation="Use set_config(..., true) (SET LOCAL) only; never a session-level SET.",  # noqa: E501
                        discriminator=role,
                    )
                    break

    def survives(self, ctx, actor, f, args, name, value):
        """Call f from a helper whose SET clause scopes the context: a transaction-local
        set_config is undone when the helper returns, a session-level one is not."""
        helper = sql.SQL(
            "create function pg_temp.rls_audit_scope() returns void language plpgsql "
            "set {guc} = {value} as {body}"
        ).format(
            guc=sql.Identifier(*name.split(".")),
            value=sql.Literal(value),
            body=sql.Literal(
                sql.SQL("begin perform * from {}({}); end")
                .format(
                    sql.Identifier(f.schema, f.name),
                    sql.SQL(", ").join(sql.Literal(a) for a in args),
                )
                .as_string(ctx.conn)
            ),
        )
        with db.savepoint(ctx.conn):
            try:
                ctx.conn.execute(helper)
                ctx.conn.execute("grant execute on function pg_temp.rls_audit_scope() to public")
            except psycopg.Error:
                return None, None
            db.become(ctx.conn, actor, ctx.config.context)
            ctx.conn.execute("select pg_catalog.set_config(%s, %s, true)", (name, SENTINEL))
            out = ctx.runner.attempt("select pg_temp.rls_audit_scope()")
            row = ctx.conn.execute(
                "select pg_catalog.current_setting(%s, true)", (name,)
            ).fetchone()
        return out, row[0] if row else None


SENTINEL = "rls-audit-outer-scope"


def _context_value(actor, spec) -> str:
    import json

    if spec.mode == "jwt":
        return json.dumps(db.claims(actor, spec))
    return actor.context_value or ""
