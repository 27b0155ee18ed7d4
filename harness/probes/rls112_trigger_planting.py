"""RLS112: a tenant attaches its own trigger to a shared table (sql adversary)."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..findings.model import Finding, Severity
from ._base import ProbeCheck, evidence, exposed_tables, ident
from ._writes import insert, new_row
from .context import ProbeContext, obj

TRIGGER = "rls_audit_probe_trigger"


class TriggerPlanting(ProbeCheck):
    """The TRIGGER privilege lets a tenant run its code on other tenants' writes.

    Why it matters:
    With TRIGGER on a table (part of Supabase's default ALL), a client that can run SQL
    creates a trigger that fires for every tenant's writes: it can block them (a denial
    of service that outlives the session) or copy their new rows somewhere it can read.

    Anti-pattern:
    GRANT ALL ON branches TO authenticated;  -- includes TRIGGER

    Best practice:
    REVOKE TRIGGER ON ALL TABLES IN SCHEMA public FROM anon, authenticated;
    """

    id = "RLS112"
    name = "trigger-planting"
    severity = Severity.HIGH
    adversaries = ("sql",)

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for role in ctx.config.roles:
            attacker = ctx.attackers()[0]
            actor = ctx.actor(role, attacker)
            victim = ctx.victims(attacker)[0]
            for ts in exposed_tables(ctx):
                if "TRIGGER" not in ctx.privileges(role, ts.table):
                    continue
                text_col = next(
                    (
                        c.name
                        for c in ts.table.columns
                        if c.type == "text" or c.type.startswith("character varying")
                    ),
                    None,
                )
                if text_col is None:
                    continue
                create = sql.SQL(
                    "create trigger {} before insert on {} for each row execute function "
                    "pg_catalog.tsvector_update_trigger(no_such_column, 'pg_catalog.english', {})"
                ).format(sql.Identifier(TRIGGER), ident(ts), sql.Identifier(text_col))
                victim_actor = ctx.actor(role, victim)
                values, setup = new_row(ctx, ts, victim, 17) if ts.is_tenant else ({}, [])

                def victim_insert(values=values, victim_actor=victim_actor, ts=ts):
                    if not values:
                        return None
                    stmt, params = insert(ts, values)
                    return ctx.observe(victim_actor, stmt, params)

                out, _, after = ctx.act(actor, create, setup=setup, then=victim_insert)
                if not out.ok:
                    continue
                text = ctx.runner.render(create)
                yield self.finding(
                    obj(ts.table),
                    f"{role} can CREATE TRIGGER on {ts.name}: its code runs on every tenant's writes",  # noqa: E501
                    evidence=evidence(
                        ctx,
                        statement=text,
                        actor=actor,
                        expected="permission denied for table",
                        observed=out.summary()
                        + (f"; then another tenant's INSERT: {after.summary()}" if after else ""),
                        reproducer=ctx.reproducer(actor, text),
                    ),
                    remediation=f"REVOKE TRIGGER ON {ts.name} FROM {role}.",
                    discriminator=role,
                )
