"""Proof of no trace: fingerprint an audited database before and after the audit.

An audit of a live database (`--dsn`) promises to leave it as it found it. Rather than ask
the user to trust the rolled-back transactions, the audit measures: every table's row
count and a checksum of its rows (tenant tables marked: the probes write platform rows
too), and a hash of the security-relevant catalog (policies, RLS flags, owners, grants,
functions, triggers, roles, settings). Sequences are listed apart: `nextval` is never
rolled back, so a probe's insert may advance one even though its row is gone; the report
says so instead of hiding it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql

_USER_SCHEMAS = (
    "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'"
)

# Each part of the catalog that decides who sees which rows, as ordered rows of text.
CATALOG_QUERIES: dict[str, str] = {
    "policies": """
        select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
        from pg_catalog.pg_policies order by 1, 2, 3""",
    "relations": f"""
        select n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               pg_catalog.pg_get_userbyid(c.relowner), c.relacl::text, c.reloptions::text,
               case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and {_USER_SCHEMAS}
        order by 1, 2""",
    "columns_acl": f"""
        select n.nspname, c.relname, a.attname, a.attacl::text
        from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where a.attacl is not null and {_USER_SCHEMAS} order by 1, 2, 3""",
    "schemas": """
        select nspname, pg_catalog.pg_get_userbyid(nspowner), nspacl::text
        from pg_catalog.pg_namespace order by 1""",
    "functions": f"""
        select n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
               pg_catalog.pg_get_userbyid(p.proowner), p.prosecdef, p.provolatile,
               p.proleakproof, p.proconfig::text, p.proacl::text, p.prosrc
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where {_USER_SCHEMAS} order by 1, 2, 3""",
    "triggers": """
        select t.tgrelid::regclass::text, t.tgname, t.tgenabled,
               pg_catalog.pg_get_triggerdef(t.oid)
        from pg_catalog.pg_trigger t where not t.tgisinternal order by 1, 2""",
    "default_acl": """
        select pg_catalog.pg_get_userbyid(defaclrole), defaclnamespace::regnamespace::text,
               defaclobjtype, defaclacl::text
        from pg_catalog.pg_default_acl order by 1, 2, 3""",
    "roles": """
        select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
               rolreplication, rolbypassrls, rolconfig::text
        from pg_catalog.pg_roles order by 1""",
    "memberships": """
        select pg_catalog.pg_get_userbyid(roleid), pg_catalog.pg_get_userbyid(member),
               admin_option
        from pg_catalog.pg_auth_members order by 1, 2""",
    "settings": """
        select setdatabase, pg_catalog.pg_get_userbyid(setrole), setconfig::text
        from pg_catalog.pg_db_role_setting order by 1, 2""",
}

# Every user table, tenant or not: the probes also write platform rows.
_TABLES = f"""
    select n.nspname, c.relname, pg_catalog.has_table_privilege(c.oid, 'SELECT'),
           a.attname is not null
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_attribute a
      on a.attrelid = c.oid and a.attname = %s and a.attnum > 0 and not a.attisdropped
    where c.relkind in ('r', 'p') and {_USER_SCHEMAS}
    order by 1, 2"""
TABLE_TIMEOUT = "30s"
"""A table whose checksum takes longer is reported unverified rather than stalling the run."""

_SEQUENCES = """
    select schemaname || '.' || sequencename, last_value
    from pg_catalog.pg_sequences order by 1"""


@dataclass(frozen=True)
class Fingerprint:
    """What the database looked like at one moment; `digest` hashes tables and catalog."""

    tables: dict[str, dict[str, Any]]
    """`schema.table` -> {"tenant": bool, "rows": n, "md5": checksum of its rows}, or
    {"tenant": bool, "unverified": why} when the login cannot read it or it is too big."""
    catalog: dict[str, str]
    """Part of the catalog (policies, roles, ...) -> sha256 of its rows."""
    sequences: dict[str, int | None] = field(default_factory=dict)
    """Not part of the digest: nextval survives a rollback."""
    bypasses_rls: bool = False
    """Whether the login reads past RLS; when not, checksums cover only the rows it sees."""

    @property
    def digest(self) -> str:
        body = json.dumps({"tables": self.tables, "catalog": self.catalog}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"digest": self.digest, **asdict(self)}


def _hash_rows(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


LOCKED = "locked by another session"
SLOW = "checksum took longer than"
FAULTS = (LOCKED,)
"""Reasons a table went unverified that make the trace incomplete: another session's
lock is a fault; a missing grant or a table too big to checksum is a known limit."""
UNVERIFIED = "unverified: "
"""Prefix of a catalog part that could not be hashed (its value is not a digest)."""


def _table_sum(conn: psycopg.Connection[Any], schema: str, table: str) -> dict[str, Any]:
    query = sql.SQL(
        "select count(*), pg_catalog.md5(coalesce("
        "string_agg(t::text, E'\\n' order by t::text), '')) from {} t"
    ).format(sql.Identifier(schema, table))
    try:
        with conn.transaction(force_rollback=True):  # a savepoint: undoes the timeout too
            limit = "select pg_catalog.set_config('statement_timeout', %s, true)"
            conn.execute(limit, (TABLE_TIMEOUT,))
            row = conn.execute(query).fetchone()
    except psycopg.errors.LockNotAvailable:  # lock_timeout, set by `take`
        return {"unverified": f"{LOCKED} (lock timeout)"}
    except psycopg.errors.QueryCanceled:
        return {"unverified": f"{SLOW} {TABLE_TIMEOUT}"}
    assert row is not None
    return {"rows": int(row[0]), "md5": str(row[1])}


def _catalog_part(conn: psycopg.Connection[Any], query: str) -> str:
    """The hash of one part; pg_get_viewdef locks the tables a view reads, so a table
    another session holds exclusively leaves that part unverified rather than the run."""
    try:
        with conn.transaction(force_rollback=True):
            return _hash_rows(conn.execute(query).fetchall())  # type: ignore[arg-type]
    except psycopg.errors.LockNotAvailable:
        return f"{UNVERIFIED}{LOCKED} (lock timeout)"


def fingerprint(conn: psycopg.Connection[Any], tenant_column: str) -> Fingerprint:
    """Read the fingerprint in one read-only, repeatable-read transaction (one snapshot)."""
    with conn.transaction(force_rollback=True):
        conn.execute("set transaction isolation level repeatable read, read only")
        tables: dict[str, dict[str, Any]] = {}
        rows = conn.execute(_TABLES, (tenant_column,)).fetchall()
        for schema, table, readable, tenant in rows:
            found = _table_sum(conn, schema, table) if readable else {"unverified": "no SELECT"}
            tables[f"{schema}.{table}"] = {"tenant": bool(tenant), **found}
        catalog = {part: _catalog_part(conn, query) for part, query in CATALOG_QUERIES.items()}
        sequences = {str(n): v for n, v in conn.execute(_SEQUENCES).fetchall()}
        row = conn.execute(
            "select rolsuper or rolbypassrls from pg_catalog.pg_roles where rolname = current_user"
        ).fetchone()
    return Fingerprint(tables, catalog, sequences, bypasses_rls=bool(row and row[0]))


def verdict(before: Fingerprint, after: Fingerprint) -> dict[str, Any]:
    """Both fingerprints, whether they match, what differs and which sequences advanced."""
    names = before.tables.keys() | after.tables.keys()
    unverified = sorted(
        n for n in names if any("unverified" in side.tables.get(n, {}) for side in (before, after))
    )
    tables = sorted(  # a table unverified on either side cannot be compared, only listed
        name
        for name in names
        if before.tables.get(name) != after.tables.get(name)
        and (name not in unverified or name not in before.tables or name not in after.tables)
    )
    unread = sorted(
        p
        for p in before.catalog.keys() | after.catalog.keys()
        if any(side.catalog.get(p, "").startswith(UNVERIFIED) for side in (before, after))
    )
    parts = sorted(
        p for p in before.catalog if before.catalog[p] != after.catalog.get(p) and p not in unread
    )
    advanced = {
        name: {"before": before.sequences.get(name), "after": value}
        for name, value in after.sequences.items()
        if value is not None and value != before.sequences.get(name)
    }
    return {
        "identical": not tables and not parts,
        "before": before.to_dict(),
        "after": after.to_dict(),
        "changed_tables": tables,
        "changed_catalog": parts,
        "unverified_tables": unverified,
        "unverified_catalog": unread,
        "sequences_advanced": advanced,
        "note": (
            "sequences are not transactional: nextval in a rolled-back probe still advances"
            " them; no row or catalog entry remains"
        ),
    }


def faults(result: dict[str, Any]) -> list[str]:
    """What a verdict could not verify because of another session or the clock."""
    out = []
    for name in result.get("unverified_tables", []):
        sides = [
            side
            for side in ("before", "after")
            if str(result[side]["tables"].get(name, {}).get("unverified", "")).startswith(FAULTS)
        ]
        if sides:
            why = result[sides[0]]["tables"][name]["unverified"]
            out.append(f"trace: {name} not fingerprinted {' and '.join(sides)} the audit: {why}")
    for part in result.get("unverified_catalog", []):
        sides = [
            side
            for side in ("before", "after")
            if result[side]["catalog"].get(part, "").startswith(UNVERIFIED)
        ]
        why = result[sides[0]]["catalog"][part].removeprefix(UNVERIFIED)
        out.append(f"trace: catalog part {part} not hashed {' and '.join(sides)} the audit: {why}")
    return out


def take(conninfo: str, tenant_column: str, *, lock_ms: int = 1000) -> Fingerprint:
    """Fingerprint the database at `conninfo` over a connection of its own.

    A table another session has locked is reported unverified after `lock_ms` rather
    than waited for: an audit never queues behind (and so blocks) a live workload.
    """
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            "select pg_catalog.set_config('statement_timeout', '60s', false),"
            " pg_catalog.set_config('lock_timeout', %s, false)",
            (f"{lock_ms}ms",),
        )
        return fingerprint(conn, tenant_column)
