"""The bulk load builds keys and indexes after the rows are in: the schema afterwards is
the schema before, every key and index valid, every foreign key validated."""

from __future__ import annotations

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.plans.volume import load_volume

pytestmark = pytest.mark.integration

SHAPE = """
select 'constraint', c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid),
       c.convalidated::text
from pg_constraint c join pg_namespace n on n.oid = c.connamespace
where n.nspname in ('public', 'auth')
union all
select 'index', i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid),
       (i.indisvalid and i.indisready)::text
from pg_index i join pg_class x on x.oid = i.indexrelid
join pg_namespace n on n.oid = x.relnamespace
where n.nspname in ('public', 'auth')
order by 1, 2, 3
"""


def test_keys_and_indexes_are_rebuilt_as_they_were(rls_conn: psycopg.Connection) -> None:
    before = rls_conn.execute(SHAPE).fetchall()
    volume = load_volume(rls_conn, load_catalog(rls_conn), rows=20_000, seed=3)
    assert not [t for t in volume.tables if t.error]
    assert rls_conn.execute(SHAPE).fetchall() == before
    assert len([r for r in before if r[0] == "constraint" and "FOREIGN KEY" in r[3]]) > 10
