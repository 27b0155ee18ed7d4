"""RLS102: a tenant writes, moves or deletes another tenant's rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from psycopg import sql

from ..findings.model import Finding
from ._base import ProbeCheck, evidence, exposed_tables, ident, where, with_setup
from ._writes import insert, new_row, updatable_column, update_by_pk
from .context import ProbeContext, obj
from .runner import Outcome
from .scope import TableScope
from .volley import Shot


class CrossTenantWrite(ProbeCheck):
    """Another tenant's rows can be inserted, updated, moved or deleted.

    Why it matters:
    Acting as tenant A, an INSERT claiming tenant B, an UPDATE or DELETE of B's rows (by
    key or by a broad predicate), an UPDATE moving A's row into B, an INSERT ... ON
    CONFLICT or MERGE against B's keys, or COPY FROM changed B's rows: the per-tenant
    checksums taken before and after disagree, or RETURNING handed back B's rows.

    Anti-pattern:
    CREATE POLICY p ON branches FOR UPDATE USING (tenant_id = current_tenant());
    -- no WITH CHECK on a table whose tenant column the role may update

    Best practice:
    CREATE POLICY p ON branches FOR UPDATE TO authenticated
      USING (tenant_id = (SELECT get_current_tenant_id()))
      WITH CHECK (tenant_id = (SELECT get_current_tenant_id()));

    References:
    https://www.postgresql.org/docs/current/sql-createpolicy.html
    """

    id = "RLS102"
    name = "cross-tenant-write"

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        reported: set[tuple[str, str, str]] = set()
        for role in ctx.config.roles:
            for attacker in ctx.attackers():
                actor = ctx.actor(role, attacker)
                planned: list[tuple[TableScope, Any, str, str, Any, list]] = []
                tables: list[tuple[TableScope, set[str]]] = []
                for ts in exposed_tables(ctx):
                    if not ts.is_tenant or ts.name in ctx.world.skipped:
                        continue
                    privs = ctx.privileges(role, ts.table)
                    tables.append((ts, privs))
                    victims = ctx.victims(attacker)
                    owning = next((v for v in victims if ctx.world.owned(ts.name, v.id)), None)
                    for victim in victims:
                        broad = victim is owning
                        attempts = self.attempts(ctx, ts, role, privs, attacker, victim, broad)
                        planned += [(ts, victim, *attempt) for attempt in attempts]
                results = _act_all(ctx, actor, [(ts, built) for ts, _, _, _, built, _ in planned])
                for (ts, victim, command, label, built, rows), (outcome, changed) in zip(
                    planned, results, strict=True
                ):
                    stmt, params, setup = (
                        (built[1], None, built[3]) if built[0] == "copy" else built
                    )
                    foreign = [c for c in changed if c.owner != "<platform>"]
                    returned = _returned_foreign(ctx, outcome, ts, attacker.id)
                    leaked = bool(foreign or returned)
                    ctx.matrix.record(
                        ts.name,
                        command,
                        role,
                        other="leaked"
                        if leaked
                        else ("denied" if outcome.ok or outcome.denied else "error"),
                    )
                    key = (ts.name, role, label)
                    if not leaked or key in reported:
                        continue
                    reported.add(key)
                    text = ctx.runner.render(stmt, params)
                    observed = "; ".join(c.describe() for c in foreign) or (
                        f"RETURNING showed {len(returned)} row(s) of other tenants"
                    )
                    yield self.finding(
                        obj(ts.table),
                        f"{role} acting for one tenant can {label} on {ts.name}",
                        evidence=evidence(
                            ctx,
                            statement=text,
                            actor=actor,
                            expected="denied, or no other tenant's row affected",
                            observed=f"{outcome.summary()}; {observed}",
                            reproducer=ctx.reproducer(
                                actor,
                                with_setup(ctx, setup, text),
                                rows=rows,
                                tenants=[victim.id],
                                after=f"RESET ROLE; SELECT count(*) FROM {ctx.runner.render(ident(ts))} WHERE {ts.tenant_key} = '{victim.id}';",  # noqa: E501
                            ),
                            victim=victim.id,
                            command=command,
                        ),
                        remediation=(
                            f"Give {ts.name} row level security policies for every command "
                            "with USING and WITH CHECK on the tenant column (and FORCE it), "
                            f"or revoke the privilege from {role}."
                        ),
                        discriminator=f"{role}:{label}",
                    )
                self.controls(ctx, tables, role, actor, attacker)

    def attempts(
        self,
        ctx: ProbeContext,
        ts: TableScope,
        role: str,
        privs: set[str],
        attacker,
        victim,
        broad: bool = True,
    ) -> Iterator[tuple[str, str, Any, list]]:
        """The writes aimed at `victim`. The broad UPDATE and DELETE name no victim: they
        are tried once per table (`broad`), with the first victim that has rows there."""
        theirs = ctx.world.owned(ts.name, victim.id)
        mine = ctx.world.owned(ts.name, attacker.id)
        col = updatable_column(ctx, ts, role) if "UPDATE" in privs else None
        if "INSERT" in privs:
            values, setup = new_row(ctx, ts, victim, victim.index)
            if values:
                stmt, params = insert(ts, values)
                yield "INSERT", "insert rows claiming another tenant", (stmt, params, setup), []
                if ts.pk and theirs:  # upsert against the victim's key
                    dup = {k: v for k, v in values.items()}
                    dup.update({k: theirs[0].values[k] for k in ts.pk})
                    target = sql.SQL(", ").join(map(sql.Identifier, ts.pk))
                    if col:
                        suffix = sql.SQL(" on conflict ({}) do update set {} = excluded.{}").format(
                            target, sql.Identifier(col), sql.Identifier(col)
                        )
                        stmt, params = insert(ts, dup, suffix)
                        yield (
                            "INSERT",
                            "upsert (ON CONFLICT DO UPDATE) another tenant's row",
                            (stmt, params, setup),
                            theirs[:1],
                        )
                cols = list(values)
                copy = sql.SQL("copy {} ({}) from stdin").format(
                    ident(ts), sql.SQL(", ").join(map(sql.Identifier, cols))
                )
                yield (
                    "COPY",
                    "COPY FROM rows claiming another tenant",
                    ("copy", copy, [tuple(_plain(values[c]) for c in cols)], setup),
                    [],
                )
        if theirs and ts.pk and col:
            row = theirs[0]
            stmt, params = update_by_pk(ts, row, {col: row.values[col]})
            yield "UPDATE", "update another tenant's row by key", (stmt, params, []), [row]
        if theirs and ts.pk and col and broad:
            row = theirs[0]
            every = sql.SQL("update {} set {} = {} returning *").format(
                ident(ts), sql.Identifier(col), sql.Identifier(col)
            )
            yield (
                "UPDATE",
                "update other tenants' rows with a broad predicate",
                (every, None, []),
                [row],
            )
        if theirs and ts.pk and col:
            row = theirs[0]
            if ctx.catalog.server_version_num >= 150000:
                merge = sql.SQL(
                    "merge into {t} as t using (select {ph}) as s({cols}) on {on} when matched then update set {c} = t.{c}"  # noqa: E501
                ).format(
                    t=ident(ts),
                    ph=sql.SQL(", ").join(sql.Placeholder() * len(ts.pk)),
                    cols=sql.SQL(", ").join(map(sql.Identifier, ts.pk)),
                    on=sql.SQL(" and ").join(
                        sql.SQL("t.{0} = s.{0}").format(sql.Identifier(k)) for k in ts.pk
                    ),
                    c=sql.Identifier(col),
                )
                yield (
                    "UPDATE",
                    "MERGE into another tenant's row",
                    (merge, [row.values[k] for k in ts.pk], []),
                    [row],
                )
        if (
            mine
            and ts.pk
            and ts.tenant_key
            and ctx.column_privilege(role, ts.table, ts.tenant_key, "UPDATE")
        ):
            stmt, params = update_by_pk(ts, mine[0], {ts.tenant_key: victim.id})
            yield "UPDATE", "move its own row into another tenant", (stmt, params, []), [mine[0]]
        if theirs and ts.pk and "DELETE" in privs:
            row = theirs[0]
            stmt = sql.SQL("delete from {} where {} returning *").format(ident(ts), where(ts.pk))
            yield (
                "DELETE",
                "delete another tenant's row by key",
                (stmt, [row.values[k] for k in ts.pk], []),
                [row],
            )
            if broad:
                every = sql.SQL("delete from {} returning *").format(ident(ts))
                yield (
                    "DELETE",
                    "delete other tenants' rows with a broad predicate",
                    (every, None, []),
                    [row],
                )

    def controls(
        self,
        ctx: ProbeContext,
        tables: list[tuple[TableScope, set[str]]],
        role: str,
        actor,
        attacker,
    ) -> None:
        """The same commands on the actor's own rows, for the access matrix."""
        reads: list[tuple[str, str, Shot]] = []
        writes: list[tuple[str, Shot]] = []
        for ts, privs in tables:
            mine = ctx.world.owned(ts.name, attacker.id)
            for command in ("UPDATE", "DELETE"):
                stmt = _own_statement(ctx, ts, role, command) if mine and ts.pk else None
                if command not in privs or stmt is None:
                    ctx.matrix.record(ts.name, command, role, own="denied")
                    continue
                key = [mine[0].values[k] for k in ts.pk]
                reads.append((ts.name, command, Shot(actor, stmt, key, table=ts.name)))
            values, setup = new_row(ctx, ts, attacker, 7) if "INSERT" in privs else ({}, [])
            if values:
                stmt, params = insert(ts, values)
                writes.append((ts.name, Shot(actor, stmt, params, tuple(setup), table=ts.name)))
            else:
                ctx.matrix.record(ts.name, "INSERT", role, own="denied")
        outcomes = ctx.observe_all([shot for _, _, shot in reads])
        for (name, command, _), out in zip(reads, outcomes, strict=True):
            ctx.matrix.record(name, command, role, own=_own(out))
        acted = ctx.act_all([shot for _, shot in writes])
        for (name, _), (out, _) in zip(writes, acted, strict=True):
            ctx.matrix.record(name, "INSERT", role, own=_own(out))


def _own_statement(ctx: ProbeContext, ts: TableScope, role: str, command: str):
    if command == "DELETE":
        return sql.SQL("delete from {} where {}").format(ident(ts), where(ts.pk))
    col = updatable_column(ctx, ts, role)
    if col is None:
        return None
    return sql.SQL("update {} set {} = {} where {}").format(
        ident(ts), sql.Identifier(col), sql.Identifier(col), where(ts.pk)
    )


def _act_all(ctx: ProbeContext, actor, planned: list[tuple[TableScope, Any]]) -> Iterator:
    """Every attempt's outcome and changes, in order: the pipelined ones in one volley,
    COPY FROM (which cannot travel in a pipeline) one by one when reached."""
    shots = [
        Shot(actor, built[0], built[1], tuple(built[2]), table=ts.name)
        for ts, built in planned
        if built[0] != "copy"
    ]
    volleyed = ctx.act_all(shots)
    for ts, built in planned:
        if built[0] != "copy":
            yield next(volleyed)
            continue
        _, stmt, copy_rows, setup = built
        ctx.current = ts.name
        outcome, changed, _ = ctx.act(actor, stmt, None, setup=setup, copy_rows=copy_rows)
        yield outcome, changed


def _own(out: Outcome) -> str:
    if out.ok and out.rowcount > 0:
        return "allowed"
    return "denied" if out.ok or out.denied else "error"


def _plain(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return value.obj if isinstance(value, Jsonb) else value


def _returned_foreign(ctx: ProbeContext, outcome: Outcome, ts: TableScope, tenant: str) -> list:
    if not outcome.ok or not ts.tenant_key or ts.tenant_key not in outcome.columns:
        return []
    i = outcome.columns.index(ts.tenant_key)
    return [r for r in outcome.rows if r[i] is not None and str(r[i]) != tenant]
