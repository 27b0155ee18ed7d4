"""The generic oracles: canaries, checksums and non-interference.

They need no knowledge of a particular flaw: the harness generated every row, so it knows
who owns what. Anything of tenant B that tenant A can observe is a leak; any change to
B's rows that A caused is an integrity violation; any observation of A that changes when
only B's data changes is an information flow from B to A.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from .population import World
from .scope import Scope

PLATFORM = "<platform>"


@dataclass(frozen=True, slots=True)
class Leak:
    tenant: str
    """The tenant whose data showed up."""
    via: str
    """What gave it away: `canary zq1a2b3c`, `tenant key`, `id 1b2c...`."""
    sample: str


class Canaries:
    """Find other tenants' markers and ids in anything observable."""

    def __init__(self, world: World) -> None:
        self.markers = world.markers()
        self.ids = world.id_owners()

    def scan(
        self, values: Iterable[Any], actor: str | None, echo: Iterable[Any] = ()
    ) -> list[Leak]:
        """Leaks of tenants other than `actor` in `values`; values passed in (`echo`) are
        not counted, so a function that returns its argument is not a leak."""
        echoed = {str(v) for v in echo}
        found: dict[str, Leak] = {}
        for text in _texts(values):
            if text in echoed:
                continue
            for e in echoed:  # an error message quoting the argument is not a leak
                if len(e) > 6:
                    text = text.replace(e, "")
            if "zq" in text:
                for marker, owner in self.markers.items():
                    if owner != actor and marker in text and owner not in found:
                        found[owner] = Leak(owner, f"canary {marker}", text[:120])
            owner = self.ids.get(text)
            if owner is not None and owner != actor and owner not in found:
                found[owner] = Leak(owner, "id", text)
        return list(found.values())


def _texts(values: Iterable[Any]) -> Iterable[str]:
    for v in values:
        if v is None:
            continue
        if isinstance(v, dict):
            yield from _texts(v.keys())
            yield from _texts(v.values())
        elif isinstance(v, list | tuple):
            yield from _texts(v)
        elif isinstance(v, uuid.UUID):
            yield str(v)
        else:
            yield str(v)


def checksum_query(
    scope: Scope,
    tables: Iterable[str] | None = None,
    *,
    fast: bool = False,
    skip: Iterable[str] = (),
) -> sql.Composed:
    """One statement: per table and tenant key value, a hash and count of the rows.

    `fast` summarises the rows' versions instead of their text: the newest xmin (as its
    age, which orders transaction ids across wraparound) and the count. Any INSERT or
    UPDATE writes a version newer than every earlier one and a DELETE or TRUNCATE lowers
    the count, so a group whose summary did not move holds the same rows; only the tables
    that moved are hashed again, by content. `skip` leaves out tables the stage cannot
    read (another session holds a lock on them).
    """
    wanted = set(scope.order if tables is None else tables) - set(skip)
    parts = []
    for name in scope.order:
        if name not in wanted:
            continue
        ts = scope.tables[name]
        ident = sql.Identifier(ts.table.schema, ts.table.name)
        owner = (
            sql.SQL("{}::text").format(sql.Identifier("t", ts.tenant_key))
            if ts.tenant_key
            else sql.Literal(PLATFORM)
        )
        digest = (
            sql.SQL("pg_catalog.min(pg_catalog.age(t.xmin))::text")
            if fast
            else sql.SQL("pg_catalog.md5(pg_catalog.string_agg(t::text, '|' order by t::text))")
        )
        parts.append(
            sql.SQL(
                "select {name}::text, {owner}, {digest}, pg_catalog.count(*) from {rel} as t"
                " group by 2"
            ).format(name=sql.Literal(name), owner=owner, rel=ident, digest=digest)
        )
    if not parts:
        return sql.SQL("select null::text, null::text, null::text, 0::bigint where false")
    return sql.SQL(" union all ").join(parts)


LEAVES = """
with recursive tree(name, oid) as (
  select * from rows from (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::oid[]))
  union
  select tree.name, i.inhrelid from tree join pg_catalog.pg_inherits i on i.inhparent = tree.oid
)
select name, oid::bigint from tree order by 1, 2
"""
"""Every relation whose rows a table's scan returns: itself, its partitions, its children."""

ACTIVITY = sql.SQL(
    "select l.name, '*', pg_catalog.sum(pg_catalog.pg_stat_get_xact_tuples_inserted(l.leaf)"
    " + pg_catalog.pg_stat_get_xact_tuples_updated(l.leaf)"
    " + pg_catalog.pg_stat_get_xact_tuples_deleted(l.leaf))::text || '/' ||"
    " pg_catalog.string_agg(coalesce(pg_catalog.pg_relation_filenode(l.leaf)::text, '-'),"
    " ',' order by l.leaf), 0::bigint"
    " from rows from (pg_catalog.unnest({names}::text[]), pg_catalog.unnest({leaves}::oid[]))"
    " as l(name, leaf) group by 1"
)


def activity_query(leaves: dict[str, list[int]], skip: Iterable[str] = ()) -> sql.Composed:
    """This transaction's write activity per table, read without scanning a row.

    The counts of rows inserted, updated and deleted in the current transaction (aborted
    subtransactions included) only grow, except that TRUNCATE resets them, and TRUNCATE
    gives the table a new file node: a table whose figures did not move between two
    reads of this query had no row written in between. Tables that moved are checked
    with the row-version summaries, and hashed again only if those moved too.
    """
    skipped = set(skip)
    pairs = [(n, oid) for n, oids in leaves.items() if n not in skipped for oid in oids]
    return ACTIVITY.format(
        names=sql.Literal([n for n, _ in pairs]), leaves=sql.Literal([o for _, o in pairs])
    )


def as_checksums(rows: Iterable[tuple[Any, ...]]) -> Checksums:
    return {(r[0], r[1] or PLATFORM): (r[2], r[3]) for r in rows}


Checksums = dict[tuple[str, str], tuple[str, int]]


def checksums(conn: psycopg.Connection[Any], query: sql.Composed) -> Checksums:
    """Read as the login role (which bypasses RLS), never as an actor."""
    return as_checksums(conn.execute(query).fetchall())


def touched(before: Checksums, after: Checksums, actor: str | None = None) -> set[str]:
    """Tables whose fast checksums (row version summaries) differ for someone other than `actor`:
    the only ones whose content `changes` needs again."""
    return {
        key[0]
        for key in set(before) | set(after)
        if key[1] != actor and before.get(key) != after.get(key)
    }


def merged(full: Checksums, tables: set[str], fresh: Checksums) -> Checksums:
    """`full` with the entries of `tables` replaced by `fresh` (their new content hashes)."""
    out = {k: v for k, v in full.items() if k[0] not in tables}
    out.update(fresh)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    table: str
    owner: str
    before: int
    after: int

    def describe(self) -> str:
        who = "platform rows" if self.owner == PLATFORM else f"tenant {self.owner}'s rows"
        if self.before == self.after:
            return f"{self.table}: {who} changed ({self.after} rows)"
        return f"{self.table}: {who} went from {self.before} to {self.after}"


def changes(before: Checksums, after: Checksums, actor: str | None) -> list[Change]:
    """Rows of anyone but `actor` that differ; the actor's own rows may change."""
    out = []
    for key in sorted(set(before) | set(after)):
        table, owner = key
        if owner == actor:
            continue
        b, a = before.get(key, ("", 0)), after.get(key, ("", 0))
        if b != a:
            out.append(Change(table, owner, b[1], a[1]))
    return out


def differs(first: Any, second: Any) -> bool:
    """Non-interference: two observations of A, before and after only B's data changed."""
    return first != second
