"""RLS106: unique and foreign-key errors tell a tenant what other tenants hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings.model import Finding, Severity
from ._base import ProbeCheck, evidence, exposed_tables, fresh_value
from ._writes import can_update, insert, new_row, update_by_pk
from .context import ProbeContext, obj
from .scope import TableScope
from .volley import Shot

KEY_STATES = {None, "23505", "23503", "23P01"}
"""Success, unique, foreign-key and exclusion violations: the answers that reveal rows."""


class ExistenceOracle(ProbeCheck):
    """A constraint answers differently for another tenant's value than for a value that
    exists nowhere.

    Why it matters:
    Unique and foreign-key checks see every row, whatever the policies. When tenant A
    writes another tenant's e-mail, slug or id into a key and gets a duplicate-key (or
    foreign-key) error, but a never-used value succeeds (or fails differently), A learns
    that the value exists in some other tenant: an existence oracle.

    Anti-pattern:
    email text UNIQUE              -- global
    id uuid PRIMARY KEY REFERENCES auth.users

    Best practice:
    UNIQUE (tenant_id, email)
    PRIMARY KEY (tenant_id, id)    -- and no INSERT of global ids by the API role
    """

    id = "RLS106"
    name = "existence-oracle"
    severity = Severity.HIGH

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[tuple[str, str]] = set()
        for role in ctx.config.roles:
            attacker = ctx.attackers()[0]
            actor = ctx.actor(role, attacker)
            victim = ctx.victims(attacker)[0]
            planned: list[tuple[TableScope, str, tuple[str, ...], list, Any]] = []
            for ts in exposed_tables(ctx):
                if not ts.is_tenant or ts.name in ctx.world.skipped:
                    continue
                theirs = ctx.world.owned(ts.name, victim.id)
                keys: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
                for u in ts.uniques:
                    cols = tuple(c for c in u.columns if c != ts.tenant_key)
                    if cols and theirs:
                        keys.append((u.name, cols, {c: theirs[0].values[c] for c in cols}))
                for fk in ts.fks:
                    cols = tuple(c for c in fk.columns if c != ts.tenant_key)
                    parents = ctx.world.owned(fk.ref_table, victim.id)
                    if cols and parents:
                        ref = dict(zip(fk.columns, fk.ref_columns, strict=True))
                        keys.append((fk.name, cols, {c: parents[0].values[ref[c]] for c in cols}))
                for name, cols, theirs_values in keys:
                    if (ts.name, name) in reported:
                        continue
                    pair = self.pair(ctx, ts, role, actor, attacker, cols, theirs_values)
                    if pair is not None:
                        planned.append((ts, name, cols, theirs, pair))
            results = ctx.act_all([shot for *_, (shots, _, _) in planned for shot in shots])
            for ts, name, cols, theirs, (_, texts, setup) in planned:
                out_b, out_n = next(results)[0], next(results)[0]
                states = {out_b.sqlstate, out_n.sqlstate}
                if out_b.signature == out_n.signature or not states <= KEY_STATES:
                    continue  # same answer, or an answer about our value (a CHECK)
                reported.add((ts.name, name))
                stmt_b, stmt_n = texts
                yield self.finding(
                    obj(ts.table),
                    f"{ts.name}: writing another tenant's ({', '.join(cols)}) answers "
                    f"'{_short(out_b)}' but an unused value answers '{_short(out_n)}'",
                    evidence=evidence(
                        ctx,
                        statement=stmt_b,
                        actor=actor,
                        expected="the same answer for another tenant's value and an unused one",
                        observed=f"other tenant's value: {out_b.summary()}; unused value: {out_n.summary()}",  # noqa: E501
                        reproducer=ctx.reproducer(
                            actor,
                            setup + stmt_b,
                            rows=theirs[:1] + ctx.world.owned(ts.name, attacker.id)[:1],
                            tenants=[victim.id],
                            after=f"-- compare with an unused value:\n{setup}{stmt_n};",
                        ),
                        constraint=out_b.constraint or out_n.constraint,
                        key=name,
                    ),
                    remediation=(
                        f"Include the tenant column in {name}, or take away the privilege "
                        f"to write ({', '.join(cols)}) from {role}."
                    ),
                    discriminator=f"{role}:{name}",
                )

    def pair(
        self, ctx: ProbeContext, ts: TableScope, role, actor, attacker, cols, theirs_values
    ) -> tuple[list[Shot], list[str], str] | None:
        """The write with another tenant's value and the same write with an unused one,
        their texts, and the setup they need (as text for the reproducer)."""
        privs = ctx.privileges(role, ts.table)
        fresh = {c: fresh_value(ts, ctx, c, attacker) for c in cols}
        if any(v is None for v in fresh.values()):
            return None
        mine = ctx.world.owned(ts.name, attacker.id)
        shots, texts = [], []
        setup_text = ""
        for values in (theirs_values, fresh):
            setup: list = []
            if mine and ts.pk and "UPDATE" in privs and can_update(ctx, ts, role, list(cols)):
                stmt, params = update_by_pk(ts, mine[0], values)
            elif "INSERT" in privs:
                row, setup = new_row(ctx, ts, attacker, 13)
                if not row:
                    return None
                row.update(values)
                stmt, params = insert(ts, row)
            else:
                return None
            shots.append(Shot(actor, stmt, params, tuple(setup), table=ts.name))
            texts.append(ctx.runner.render(stmt, params))
            setup_text = "".join(ctx.runner.render(s, p) + ";\n" for s, p in setup)
        return shots, texts, setup_text


def _short(out) -> str:
    if out.ok:
        return "success"
    return f"{out.sqlstate} {out.constraint or out.error}"
