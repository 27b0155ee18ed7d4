"""The probes that write nothing, for `--read-only`: SELECTs on the data already there.

The full probe stage generates tenants and writes; a read-only audit cannot. Instead it
samples tenant ids from the existing rows (as the login role, a bounded sample), then,
as each API role acting for each sampled tenant, looks for rows of any other tenant in
every readable relation, and reads the tenant tables without a context and with a
garbage one. Everything runs in one READ ONLY transaction (the server refuses any write)
that is rolled back. Findings reuse RLS101 and RLS108, so reports and baselines treat
them as the full probes' findings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from .. import db
from ..catalog import Catalog, Table
from ..findings.check import Check
from ..findings.model import Evidence, Finding, ObjectRef, Outcome
from ._base import ident
from .context import ProbeConfig, obj
from .matrix import MatrixRecorder
from .rls100_probe_coverage import ProbeCoverage
from .rls101_cross_tenant_read import CrossTenantRead
from .rls108_context_fail_open import GARBAGE, ContextFailOpen
from .runner import Outcome as Answer
from .runner import Runner
from .scope import Scope, TableScope, build_scope, relation_tenant_key
from .stage import ConnFactory, ProbeResult, Progress, probe_config
from .volley import fire

PER_TABLE = 4
"""Tenant ids sampled from each tenant table."""
TENANTS = 4
"""Tenants that take the attacker's seat, the most widespread ones first."""
SCAN = 1000
"""Rows read per table to draw the sample: a bounded read on a live database."""
SHOWN = 3
"""Rows of other tenants fetched as evidence."""
VOLLEY = 256
"""Statements per volley (see `volley`)."""
TIMEOUTS = {"57014": "statement timeout", "55P03": "lock timeout"}
"""Errors that say the server could not answer in time: inconclusive, never a pass."""


@dataclass
class Sample:
    """Tenant ids found in the data, and a user id of each where rows reference auth."""

    tenants: list[str] = field(default_factory=list)
    subs: dict[str, str] = field(default_factory=dict)
    tables: int = 0
    """Tenant tables the login could read the sample from."""
    login_bypasses_rls: bool = False


def _noop(_: str) -> None:
    return None


def read_only_checks() -> list[type[Check]]:
    """The checks whose findings the read-only probes report (for the audit's rule list)."""
    return [ProbeCoverage, CrossTenantRead, ContextFailOpen]


def run_read_only_probes(
    conn_factory: ConnFactory,
    catalog: Catalog,
    config: Any,
    progress: Progress = _noop,
    *,
    tenants: int = TENANTS,
) -> ProbeResult:
    """RLS101 and RLS108 by SELECTs alone, in a READ ONLY transaction rolled back."""
    pconfig = config if isinstance(config, ProbeConfig) else probe_config(config)
    started = time.perf_counter()
    findings: list[Finding] = []
    matrix = MatrixRecorder()
    conn = conn_factory()
    with conn, db.audit_transaction(conn, pconfig.timeouts):
        conn.execute("set transaction read only")  # the server refuses every write from here
        scope = build_scope(catalog)
        roles, refused = ProbeCoverage.usable_roles(conn, catalog, pconfig.roles)
        findings += refused
        runner = Runner(conn)
        progress("sampling tenant ids from the existing rows")
        sample = sample_tenants(conn, runner, scope, catalog, tenants)
        if not sample.tenants:
            findings.append(_no_sample(catalog, sample))
        probe = _ReadOnly(conn, runner, scope, catalog, pconfig, matrix)
        for role in roles:
            progress(f"read-only probes as {role}")
            for tenant in sample.tenants:
                findings += probe.cross_tenant(role, tenant, sample.subs.get(tenant))
            findings += probe.fail_open(role)
        findings += probe.timeouts()
    stats = {
        "mode": "read-only",
        "tenants_sampled": len(sample.tenants),
        "sample_tables": sample.tables,
        "login_bypasses_rls": sample.login_bypasses_rls,
        "roles": list(roles),
        "relations": len(scope.readable),
        "statements": runner.statements,
        "statement_seconds": round(runner.seconds, 3),
        "probe_s": round(time.perf_counter() - started, 3),
    }
    return ProbeResult(findings=findings, matrix=matrix.freeze(), stats=stats)


def sample_tenants(
    conn: psycopg.Connection[Any], runner: Runner, scope: Scope, catalog: Catalog, limit: int
) -> Sample:
    """Up to PER_TABLE tenant ids per tenant table, as the login role; the ids found in
    the most tables first. A login subject to RLS sees only what its policies show it
    (often nothing without a context): the sample is then what it could read."""
    row = conn.execute(
        "select rolsuper or rolbypassrls from pg_catalog.pg_roles where rolname = current_user"
    ).fetchone()
    out = Sample(login_bypasses_rls=bool(row and row[0]))
    seen: dict[str, int] = {}
    for ts in scope.tenant_tables():
        if ts.table.schema not in catalog.exposed_schemas or ts.tenant_key is None:
            continue
        found = answer(runner, _sample_statement(ts), [SCAN, PER_TABLE])
        if not found.ok or not found.rows:
            continue  # refused to the login, hidden from it by RLS, or too slow
        out.tables += 1
        for tenant, sub in found.rows:
            seen[tenant] = seen.get(tenant, 0) + 1
            if sub is not None:
                out.subs.setdefault(tenant, sub)
    out.tenants = sorted(seen, key=lambda t: (-seen[t], t))[:limit]
    return out


def answer(runner: Runner, stmt: sql.Composable, params: Any = None) -> Answer:
    """The runner's outcome; a timeout raised as an exception comes back as an outcome."""
    try:
        return runner.attempt(stmt, params)
    except Exception as exc:
        state = getattr(exc, "sqlstate", None) or getattr(
            getattr(exc, "diag", None), "sqlstate", None
        )
        if state not in TIMEOUTS:
            raise
        return Answer(False, sqlstate=state, error=str(exc))


def _sample_statement(ts: TableScope) -> sql.Composed:
    key = sql.Identifier(ts.tenant_key or "")
    auth = next((fk.columns[0] for fk in ts.fks if fk.ref_table.startswith("auth.")), None)
    sub = sql.SQL("null::text") if auth is None else sql.Identifier(auth)
    return sql.SQL(
        "select k::text, pg_catalog.min(s::text) from "
        "(select {key} as k, {sub} as s from {rel} where {key} is not null limit %s) t "
        "group by 1 order by 1 limit %s"
    ).format(key=key, sub=sub, rel=ident(ts))


def _no_sample(catalog: Catalog, sample: Sample) -> Finding:
    why = (
        "the tenant tables hold no rows"
        if sample.login_bypasses_rls
        else "the login role is subject to row level security and sees no tenant's rows"
    )
    return ProbeCoverage.finding(
        ObjectRef("database", None, catalog.database),
        f"read-only probes found no tenant to act as: {why}",
        evidence=Evidence(observed=why, details={"sample_tables": sample.tables}),
        remediation="Audit with a login that bypasses RLS (the owner), or without --read-only.",
        discriminator="read-only-sample",
        outcome=Outcome.INCONCLUSIVE,
    )


@dataclass
class _ReadOnly:
    conn: psycopg.Connection[Any]
    runner: Runner
    scope: Scope
    catalog: Catalog
    config: ProbeConfig
    matrix: MatrixRecorder
    _reported: set[tuple[str, str, str]] = field(default_factory=set)
    _own: set[tuple[str, str]] = field(default_factory=set)
    unanswered: dict[str, str] = field(default_factory=dict)
    """Relation -> why a read of it timed out."""

    def observe_all(self, shots: list[tuple[db.Actor, sql.Composable, Any, str]]) -> list[Answer]:
        """Each statement as its actor, in volleys; a timeout (an error outcome) is kept
        in `unanswered` for its relation and comes back as a failed outcome."""
        spec = self.config.context
        out: list[Answer] = []
        for start in range(0, len(shots), VOLLEY):
            part = shots[start : start + VOLLEY]
            flights, ats = [], []
            for actor, stmt, params, _ in part:
                switch = db.switch_steps(actor, spec)
                flights.append([*switch, (stmt, params)])
                ats.append(len(switch))
            landings = fire(self.runner, flights)
            self.runner.statements += len(part)
            for (actor, stmt, _, of), landing, at in zip(part, landings, ats, strict=True):
                if landing.failed is not None and landing.failed != at:
                    self.runner.raise_error(landing.errors[landing.failed], stmt)
                seen = landing.answers[at]
                assert seen is not None  # a skipped statement means an earlier step failed
                if seen.sqlstate in TIMEOUTS:
                    self.unanswered.setdefault(of, f"{TIMEOUTS[seen.sqlstate]} as {actor.label}")
                out.append(seen)
        return out

    def timeouts(self) -> list[Finding]:
        """RLS100: relations whose read-only probe timed out are unproven."""
        return [
            ProbeCoverage.finding(
                ObjectRef.parse(name),
                f"read-only probe of {name} could not finish: {why}",
                evidence=Evidence(observed=why, details={"read_only": True}),
                remediation="Raise the statement timeout, or audit a smaller copy of the data.",
                discriminator="read-only-timeout",
                outcome=Outcome.INCONCLUSIVE,
            )
            for name, why in sorted(self.unanswered.items())
        ]

    def can_select(self, role: str, rel: Table) -> bool:
        row = self.conn.execute(
            "select pg_catalog.has_table_privilege(%s, %s::oid, 'SELECT')", (role, rel.oid)
        ).fetchone()
        return bool(row and row[0])

    def reproducer(self, actor: db.Actor, statement: str) -> str:
        prelude = db.reproducer_prelude(actor, self.config.context, self.conn)
        return "\n".join(
            [
                "BEGIN;",
                "SET TRANSACTION READ ONLY;  -- the rows are already in the database",
                f"-- act as {actor.label}",
                prelude,
                statement.rstrip(";") + ";",
                "ROLLBACK;",
            ]
        )

    def cross_tenant(self, role: str, tenant: str, sub: str | None) -> list[Finding]:
        """RLS101: rows of another tenant in any readable relation, acting as `tenant`."""
        actor = db.Actor(role=role, tenant=tenant, sub=sub)
        out: list[Finding] = []
        shots: list[tuple[db.Actor, sql.Composable, Any, str]] = []
        planned: list[tuple[Table, str, int | None, int]] = []
        for rel in self.scope.readable:
            name, key = rel.qualified_name, relation_tenant_key(self.scope, rel)
            if key is None or rel.column(key) is None:
                continue  # nothing tells whose row it is
            if not self.can_select(role, rel):
                self.matrix.record(name, "SELECT", role, own="denied", other="denied")
                continue
            control = None
            if (name, role) not in self._own:  # the control, once per relation and role
                self._own.add((name, role))
                control = len(shots)
                shots.append((actor, _own_statement(rel, key), [tenant], name))
            planned.append((rel, key, control, len(shots)))
            shots.append((actor, _other_statement(rel, key), [tenant], name))
        answers = self.observe_all(shots)
        for rel, key, control, index in planned:
            name, stmt, seen = rel.qualified_name, shots[index][1], answers[index]
            if control is not None and answers[control].ok:
                self.matrix.record(name, "SELECT", role, own=_allowed(answers[control]))
            if not seen.ok:
                continue  # an error is a safe answer (a timeout is kept as unanswered)
            at = seen.columns.index(key) if key in seen.columns else None
            others = sorted({str(r[at]) for r in seen.rows} if at is not None else set())
            self.matrix.record(name, "SELECT", role, other="leaked" if seen.rows else "denied")
            if not seen.rows or (name, role, "read") in self._reported:
                continue
            self._reported.add((name, role, "read"))
            text = self.runner.render(stmt, [tenant])
            out.append(
                CrossTenantRead.finding(
                    obj(rel),
                    f"{role} acting for one tenant reads other tenants' rows of {name} "
                    "(existing data, read-only probe)",
                    evidence=Evidence(
                        sql=text,
                        actor=role,
                        tenant=tenant,
                        expected="only the acting tenant's rows",
                        observed=seen.summary(),
                        reproducer=self.reproducer(actor, text),
                        details={"leaked_tenants": others, "via": "SELECT", "read_only": True},
                    ),
                    remediation=(
                        "Enable and force row level security with a tenant policy for "
                        f"{role}, or revoke SELECT on {name} from {role}."
                    ),
                    discriminator=role,
                )
            )
        return out

    def fail_open(self, role: str) -> list[Finding]:
        """RLS108: tenant tables read without a context or with a garbage one."""
        out: list[Finding] = []
        for raw in GARBAGE:
            actor = db.Actor(role=role, tenant=None, raw=raw)
            tables = [
                ts
                for ts in self.scope.tenant_tables()
                if ts.table.schema in self.catalog.exposed_schemas
                and (ts.name, role, "context") not in self._reported
                and self.can_select(role, ts.table)
            ]
            shots = [(actor, _fail_open_statement(ts), None, ts.name) for ts in tables]
            for ts, seen in zip(tables, self.observe_all(shots), strict=True):
                rel = ts.table
                if not seen.ok or not seen.rows or not seen.rows[0][0] or not seen.rows[0][1]:
                    continue  # an error or no row is safe; no RLS at all is RLS101's finding
                count = int(seen.rows[0][1])
                self._reported.add((ts.name, role, "context"))
                text = self.runner.render(sql.SQL("select * from {}").format(ident(ts)))
                out.append(
                    ContextFailOpen.finding(
                        obj(rel),
                        f"{actor.label} sees {count}{'+' if count >= SCAN else ''} row(s) "
                        f"of {ts.name} (existing data, read-only probe)",
                        evidence=Evidence(
                            sql=text,
                            actor=role,
                            expected="no row without a valid tenant context",
                            observed=f"{count} row(s) visible",
                            reproducer=self.reproducer(actor, text),
                            details={"context": raw, "read_only": True},
                        ),
                        remediation=(
                            "Make the policies match no row when the tenant context is unset "
                            "or invalid."
                        ),
                        discriminator=f"{role}:{raw!r}",
                    )
                )
        return out


def _fail_open_statement(ts: TableScope) -> sql.Composed:
    return sql.SQL(
        "select pg_catalog.row_security_active({}::oid), pg_catalog.count(*) "
        "from (select from {} limit {}) t"
    ).format(sql.Literal(ts.table.oid), ident(ts), sql.Literal(SCAN))


def _other_statement(rel: Table, key: str) -> sql.Composed:
    return sql.SQL("select * from {} where {} is distinct from %s limit {}").format(
        ident(rel), sql.Identifier(key), sql.Literal(SHOWN)
    )


def _own_statement(rel: Table, key: str) -> sql.Composed:
    return sql.SQL("select 1 from {} where {} = %s limit 1").format(ident(rel), sql.Identifier(key))


def _allowed(outcome: Answer) -> str:
    return "allowed" if outcome.rows else "denied"
