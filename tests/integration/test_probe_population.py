"""The population against a real server: the same seed writes the same rows, another seed
other rows; text carries the owner's canary; tenants differ in size; and an act that
writes only the actor's own rows reports no change to anybody else's."""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg
import pytest
from psycopg import sql

from harness import db
from harness.catalog import load_catalog
from harness.probes.context import ProbeConfig, ProbeContext
from harness.probes.population import Populator, World, make_tenants
from harness.probes.runner import Runner
from harness.probes.scope import build_scope

pytestmark = pytest.mark.integration


def populate(conn: psycopg.Connection, seed: int) -> tuple[World, dict[str, list[Any]]]:
    """Rows sent per table (values the harness chose), inside a rolled-back transaction."""
    catalog = load_catalog(conn)
    with db.audit_transaction(conn):
        scope = build_scope(catalog)
        world = Populator(conn, catalog, scope, make_tenants(8, seed), seed).run()
    sent = {t: [sorted(r.sent.items(), key=str) for r in rows] for t, rows in world.rows.items()}
    return world, sent


def test_population_is_deterministic_per_seed_skewed_and_canary_carrying(
    rls_conn: psycopg.Connection,
) -> None:
    first, sent = populate(rls_conn, 7)
    _, sent_again = populate(rls_conn, 7)
    _, other = populate(rls_conn, 8)
    assert sent == sent_again and sent != other
    assert not first.skipped and not first.faulted
    sizes = Counter(len(first.owned("public.students", t.id)) for t in first.tenants)
    assert len(sizes) > 1  # some tenants larger than others
    markers = {t.id: t.marker for t in first.tenants}
    texts = [
        (r.owner, v)
        for rows in first.rows.values()
        for r in rows
        for k, v in r.sent.items()
        if r.owner and isinstance(v, str) and v.startswith("zq")
    ]
    assert len(texts) > 50
    assert all(markers[owner] in value for owner, value in texts)


def test_writing_only_its_own_rows_changes_nobody_else(rls_conn: psycopg.Connection) -> None:
    catalog = load_catalog(rls_conn)
    with db.audit_transaction(rls_conn):
        scope = build_scope(catalog)
        populator = Populator(rls_conn, catalog, scope, make_tenants(4, 0), 0)
        world = populator.run()
        ctx = ProbeContext(rls_conn, catalog, scope, world, ProbeConfig(), Runner(rls_conn))
        ctx.take_baseline()
        actor = ctx.actor("authenticated", ctx.attackers()[0])
        own = sql.SQL("update public.branches set name = name || '!' returning tenant_id")
        out, changed, _ = ctx.act(actor, own)
        assert out.ok and out.rowcount >= 1 and changed == []
        assert {str(r[0]) for r in out.rows} == {actor.tenant}
        # as the login role (past the policies), the same statement changes every tenant
        login = db.Actor(rls_conn.info.user, None)
        everyone = ctx.act(login, own)[1]
        assert {c.owner for c in everyone} == {t.id for t in world.tenants}
        assert {c.table for c in everyone} <= {"public.branches", "public.audit_logs"}
        after = rls_conn.execute("select count(*) from public.branches where name like '%!'")
        assert after.fetchone() == (0,)  # every act was rolled back
