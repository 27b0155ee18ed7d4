"""The only place that sets identity: who the harness is when it acts as a tenant.

Everything the audit writes happens inside `audit_transaction` (rolled back, whatever
happens); each actor's turn happens inside `as_actor`, a savepoint that sets the tenant
context with `set_config(..., true)` and the role with `SET LOCAL ROLE`, both undone when
the savepoint is rolled back. SET takes no bound parameters, so role names are composed
with `sql.Identifier` and settings go through `set_config`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg
from psycopg import sql

ContextMode = Literal["guc", "jwt", "sql"]
CLAIMS_GUC = "request.jwt.claims"


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """How the trusted API server tells the database who the tenant is."""

    mode: ContextMode = "guc"
    guc: str = "app.current_tenant_id"
    claim_path: tuple[str, ...] = ("tenant_id",)
    """Where the tenant sits inside the JWT claims, `app_metadata.tenant_id` split on dots."""
    snippet: str | None = None
    """Custom SQL run as the trusted server; may use %(tenant)s, %(role)s and %(sub)s."""


@dataclass(frozen=True, slots=True)
class Actor:
    """A role acting for a tenant. `tenant` None with `raw` set is a garbage context."""

    role: str
    tenant: str | None
    sub: str | None = None
    raw: str | None = None
    """The literal context value when it is not a tenant id: '' or a malformed value."""
    extra_claims: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def context_value(self) -> str | None:
        return self.tenant if self.tenant is not None else self.raw

    @property
    def label(self) -> str:
        if self.tenant is not None:
            return f"{self.role} as tenant {self.tenant}"
        if self.raw is None:
            return f"{self.role} without tenant context"
        return f"{self.role} with context {self.raw!r}"


@dataclass(frozen=True, slots=True)
class Timeouts:
    statement_ms: int = 5000
    lock_ms: int = 1000
    idle_ms: int = 60000
    """idle_in_transaction_session_timeout: a stalled audit never holds its locks for long."""


_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_ms(value: Any, default: int) -> int:
    """Milliseconds from an int (milliseconds) or a PostgreSQL duration such as '5s',
    '250ms' or '2 min'; `default` when unset. An unknown unit is a ValueError."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().lower()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    unit = text[len(number) :].strip() or "ms"
    if unit not in _UNITS_MS:
        raise ValueError(f"not a duration: {value!r} (units: {', '.join(_UNITS_MS)})")
    return int(float(number) * _UNITS_MS[unit])


APPLICATION_NAME = "rls-audit"
"""How the audit's sessions appear in pg_stat_activity."""


def connect(conninfo: str, *, timeout: int = 10) -> psycopg.Connection[Any]:
    """An autocommit connection: transactions are explicit `transaction()` blocks."""
    return psycopg.connect(
        conninfo, autocommit=True, connect_timeout=timeout, application_name=APPLICATION_NAME
    )


def claims(actor: Actor, spec: ContextSpec) -> dict[str, Any]:
    """The JWT claims a PostgREST-like server would set for this actor."""
    out: dict[str, Any] = {"role": actor.role, **actor.extra_claims}
    if actor.sub is not None:
        out["sub"] = actor.sub
    value = actor.context_value
    if value is not None:
        node = out
        for key in spec.claim_path[:-1]:
            node = node.setdefault(key, {})
        node[spec.claim_path[-1]] = value
    return out


def context_statements(actor: Actor, spec: ContextSpec) -> list[tuple[sql.Composable, dict]]:
    """Statements (with parameters) that set the actor's context, before the role switch."""
    if spec.mode == "sql":
        if not spec.snippet:
            raise ValueError("context mode 'sql' needs a snippet")
        params = {"tenant": actor.context_value, "role": actor.role, "sub": actor.sub}
        return [(sql.SQL(spec.snippet), params)]  # trusted configuration, bound parameters
    if spec.mode == "jwt":
        return [
            (
                sql.SQL("select pg_catalog.set_config(%(name)s, %(value)s, true)"),
                {"name": CLAIMS_GUC, "value": json.dumps(claims(actor, spec))},
            )
        ]
    stmts: list[tuple[sql.Composable, dict]] = []
    if actor.context_value is not None:
        stmts.append(
            (
                sql.SQL("select pg_catalog.set_config(%(name)s, %(value)s, true)"),
                {"name": spec.guc, "value": actor.context_value},
            )
        )
    if actor.sub is not None:
        stmts.append(
            (
                sql.SQL("select pg_catalog.set_config(%(name)s, %(value)s, true)"),
                {"name": CLAIMS_GUC, "value": json.dumps({"sub": actor.sub, "role": actor.role})},
            )
        )
    return stmts


def set_role_statement(role: str) -> sql.Composable:
    return sql.SQL("set local role {}").format(sql.Identifier(role))


def become_steps(actor: Actor, spec: ContextSpec) -> list[tuple[sql.Composable, Any]]:
    """The context statements, then the role switch: what `become` sends."""
    return [*context_statements(actor, spec), (set_role_statement(actor.role), None)]


_SET_LOCAL = "pg_catalog.set_config(%s, %s, true)"
_SET_ROLE = "select pg_catalog.set_config('role', %s, true)"


def switch_steps(actor: Actor, spec: ContextSpec) -> list[tuple[str | sql.Composable, Any]]:
    """`become_steps` in as few statements as possible, for pipelined flights: the
    settings and the role in one SELECT (`set_config('role', ..., true)` is what SET LOCAL
    ROLE does); a custom snippet stays a statement of its own, before the role."""
    if spec.mode == "sql":
        return [*context_statements(actor, spec), (_SET_ROLE, (actor.role,))]
    params: list[Any] = []
    for _, values in context_statements(actor, spec):
        params += [values["name"], values["value"]]
    params += ["role", actor.role]
    text = "select " + ", ".join([_SET_LOCAL] * (len(params) // 2))
    return [(text, params)]


def restore_steps(spec: ContextSpec) -> list[tuple[str | sql.Composable, Any]]:
    """Back to the login role with no tenant context: what `restore` sends."""
    names = sorted({spec.guc, CLAIMS_GUC})
    clear = "select " + ", ".join(["pg_catalog.set_config(%s, '', true)"] * len(names))
    return [("reset role", None), (clear, names)]


def become(conn: psycopg.Connection[Any], actor: Actor, spec: ContextSpec) -> None:
    """Set the context, then the role, for the rest of the current (sub)transaction."""
    for stmt, params in become_steps(actor, spec):
        conn.execute(stmt, params)


def restore(conn: psycopg.Connection[Any], spec: ContextSpec) -> None:
    """Back to the login role with no tenant context, without leaving the transaction."""
    for stmt, params in restore_steps(spec):
        conn.execute(stmt, params)  # type: ignore[arg-type]


def set_timeouts(conn: psycopg.Connection[Any], timeouts: Timeouts, *, local: bool) -> None:
    """Statement, lock and idle-in-transaction timeouts, for the transaction (`local`) or
    for the whole session."""
    conn.execute(
        "select pg_catalog.set_config('statement_timeout', %s, %s),"
        " pg_catalog.set_config('lock_timeout', %s, %s),"
        " pg_catalog.set_config('idle_in_transaction_session_timeout', %s, %s)",
        (f"{timeouts.statement_ms}ms", local, f"{timeouts.lock_ms}ms", local,
         f"{timeouts.idle_ms}ms", local),
    )  # fmt: skip


@contextmanager
def audit_transaction(
    conn: psycopg.Connection[Any], timeouts: Timeouts = Timeouts()
) -> Iterator[psycopg.Connection[Any]]:
    """A transaction that is always rolled back, with statement, lock and idle timeouts."""
    with conn.transaction(force_rollback=True):
        set_timeouts(conn, timeouts, local=True)
        yield conn


@contextmanager
def savepoint(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """A savepoint that is always rolled back: whatever happens inside leaves no trace."""
    with conn.transaction(force_rollback=True):
        yield conn


@contextmanager
def as_actor(
    conn: psycopg.Connection[Any], actor: Actor, spec: ContextSpec = ContextSpec()
) -> Iterator[psycopg.Connection[Any]]:
    """Act as `actor` inside a savepoint; role, context and writes are rolled back after."""
    with conn.transaction(force_rollback=True):
        become(conn, actor, spec)
        yield conn


def reproducer_prelude(actor: Actor, spec: ContextSpec, conn: psycopg.Connection[Any]) -> str:
    """The psql lines that make a session act as `actor`, as plain SQL."""
    lines = [render(conn, stmt, params) + ";" for stmt, params in context_statements(actor, spec)]
    lines.append(set_role_statement(actor.role).as_string(conn) + ";")
    return "\n".join(lines)


def render(conn: psycopg.Connection[Any], stmt: sql.Composable | str, params: Any = None) -> str:
    """A statement with its parameters inlined as literals, for reproducers."""
    cur = psycopg.ClientCursor(conn)
    text = stmt.as_string(conn) if isinstance(stmt, sql.Composable) else stmt
    if params is None:
        return text
    return cur.mogrify(text, params)
