"""RLS039: a column holding secrets is readable by the API roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from psycopg import sql

from ..catalog.model import Catalog, Grant, Table
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, ObjectRef, Remediation, Severity
from . import _fix
from ._scope import Scope, scope

_WORDS = frozenset(
    {"ssn", "cvv", "cvc", "iban", "totp", "apikey", "privatekey", "creditcard", "cardnumber"}
    | {"socialsecurity", "recoverycode", "otpseed", "passphrase"}
)
_PREFIXES = ("password", "passwd", "secret", "token", "apikey")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def is_secret(name: str) -> bool:
    """Whether a column name says it holds a secret, word by word (`password_hash`,
    `api_key`, `reset_token`; not `classname`)."""
    words = [w for w in _SEPARATORS.split(name.lower()) if w]
    joined = {a + b for a, b in pairwise(words)}
    return any(w in _WORDS or w.startswith(_PREFIXES) for w in (*words, *joined))


_VALUE_TYPES = ("text", "character", "bytea", "json", "uuid", "citext")


class SensitiveColumnExposed(Check):
    """A column whose name says it holds a secret is readable by the API roles.

    Why it matters:
    Password hashes, tokens, API keys, card and national id numbers must never reach the
    API, even for the row's own tenant: one compromised account then yields every
    colleague's credentials. Row level security limits rows, not columns; column
    privileges (`GRANT SELECT (col, ...)`) or a view limit columns. High when the
    relation has no row level security (every tenant's secrets), medium otherwise. Only
    columns of text-like, bytea, json or uuid type are considered.

    Anti-pattern:
    CREATE TABLE users (id uuid, tenant_id uuid, email text, password_hash text);
    GRANT SELECT ON users TO authenticated;

    Best practice:
    REVOKE SELECT ON users FROM authenticated;
    GRANT SELECT (id, tenant_id, email) ON users TO authenticated;

    References:
    Supabase splinter 0023 sensitive_columns_exposed; pgrls SEC045; SupaShield
    """

    id = "RLS039"
    name = "sensitive-column-exposed"
    severity = Severity.MEDIUM
    category = Category.DISCLOSURE
    applies_to = ("table", "view", "materialized view")

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in ctx.tables:
            if not s.exposed(table.schema):
                continue
            secret = [
                c.name
                for c in table.columns
                if is_secret(c.name) and c.type.startswith(_VALUE_TYPES)
            ]
            for column in secret:
                grants = [
                    g
                    for g in s.api_grants(table.qualified_name, ("SELECT",))
                    if g.column in (None, column)
                ]
                if not grants:
                    continue
                open_rows = table.kind in ("materialized view", "view") or not table.rls_enabled
                yield self.finding(
                    ObjectRef("column", table.schema, f"{table.name}.{column}"),
                    f"{table.qualified_name}.{column} looks like a secret and "
                    f"{', '.join(sorted({g.grantee for g in grants}))} may read it",
                    severity=Severity.HIGH if open_rows else None,
                    discriminator=column,
                    evidence=Evidence(observed=_fix.grants_text(grants)),
                    remediation=_remedy(s, table, column, grants),
                )


def _remedy(s: Scope, table: Table, column: str, grants: list[Grant]) -> Remediation:
    whole = [g for g in grants if g.column is None]
    parts = [*_fix.revoke(_fix.rel(table), grants)]
    others = [c.name for c in table.columns if c.name != column and not is_secret(c.name)]
    if whole and others:
        parts.append(
            sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                _fix.columns(others), _fix.rel(table), _fix.roles({g.grantee for g in whole})
            )
        )
    return _fix.fix("Grant SELECT on the other columns only.", *parts)
