"""Which tables a write to one table can reach: the watch of an act need not read them all.

A statement on a table writes that table (and its partitions), and, through foreign keys
with ON DELETE or ON UPDATE actions, the tables that reference it, and theirs in turn.
Anything else needs code of the schema's own: a trigger, a rewrite rule, or a volatile
function called from a column default, a CHECK constraint or a policy (functions that
are not volatile cannot write). A table with any of those is opaque: a write to it may
reach any table, and its acts watch all of them, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

OPAQUE = """
select c.oid::bigint
  from pg_catalog.pg_class as c
 where c.oid = any(%(oids)s::oid[])
   and (c.relhasrules
        or exists (select from pg_catalog.pg_trigger as g
                    where g.tgrelid = c.oid and not g.tgisinternal)
        or exists (
          select
            from pg_catalog.pg_depend as d
            join pg_catalog.pg_proc as p on p.oid = d.refobjid
           where d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
             and p.provolatile = 'v'
             and p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace
             and ((d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                   and d.objid in (select a.oid from pg_catalog.pg_attrdef as a
                                    where a.adrelid = c.oid))
               or (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                   and d.objid in (select k.oid from pg_catalog.pg_constraint as k
                                    where k.conrelid = c.oid))
               or (d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
                   and d.objid in (select y.oid from pg_catalog.pg_policy as y
                                    where y.polrelid = c.oid)))))
"""
"""The tables (of `oids`) whose writes may run code of the schema's own."""

CASCADES = """
select k.confrelid::bigint, k.conrelid::bigint
  from pg_catalog.pg_constraint as k
 where k.contype = 'f'
   and (k.confdeltype in ('c', 'n', 'd') or k.confupdtype in ('c', 'n', 'd'))
   and k.confrelid = any(%(oids)s::oid[])
"""
"""Referenced table -> referencing table, for the foreign keys that write on a change."""


@dataclass
class WriteGraph:
    """Per table (the probes' names): whether its writes are opaque, and which tables its
    foreign-key actions write."""

    opaque: set[str] = field(default_factory=set)
    cascades: dict[str, set[str]] = field(default_factory=dict)
    _closures: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def closure(self, table: str) -> frozenset[str] | None:
        """Every table a write to `table` can reach; None when that is any table."""
        if table not in self._closures:
            self._closures[table] = self._reach(table)
        return self._closures[table]

    def _reach(self, table: str) -> frozenset[str] | None:
        seen = {table}
        stack = [table]
        while stack:
            name = stack.pop()
            if name in self.opaque:
                return None
            for child in self.cascades.get(name, ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return frozenset(seen)


def write_graph(conn: psycopg.Connection[Any], leaves: dict[str, list[int]]) -> WriteGraph:
    """The graph over the tables of `leaves` (name -> the oids its scan reads), read as
    the login role in two catalog queries."""
    name_of = {oid: name for name, oids in leaves.items() for oid in oids}
    oids = list(name_of)
    graph = WriteGraph()
    for (oid,) in conn.execute(OPAQUE, {"oids": oids}).fetchall():
        graph.opaque.add(name_of[oid])
    for parent, child in conn.execute(CASCADES, {"oids": oids}).fetchall():
        if child in name_of and name_of[child] != name_of[parent]:
            graph.cascades.setdefault(name_of[parent], set()).add(name_of[child])
    return graph
