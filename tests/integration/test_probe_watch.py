"""The acts' watch against a real server: which tables a write can reach, and the same
verdicts whichever way the volleys learn what a statement wrote.

On a small schema the first volley reads the write counters; on a large one it reads the
WAL position, then names the written tables by the counters or, for a write that can
reach only a few tables, by the schema's foreign keys (`closure`). All three must find
the same flaws on the SPEC-009-as-written fixture."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness.catalog import load_catalog
from harness.findings.model import Outcome
from harness.probes import batched
from harness.probes.closure import write_graph
from harness.probes.context import ProbeConfig
from harness.probes.stage import ProbeResult, run_probes

pytestmark = pytest.mark.integration
AS_WRITTEN = Path(__file__).resolve().parents[1] / "schemas" / "spec009_as_written"

GRAPH = """
create table w_root (id int primary key);
create table w_child (id int primary key, root int references w_root on delete cascade);
create table w_grandchild (id int primary key, child int references w_child on update set null);
create table w_plain (id int primary key, root int references w_root);
create table w_triggered (id int primary key, child int references w_child on delete cascade);
create function w_log() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger w_log before insert on w_triggered for each row execute function w_log();
create function w_next() returns int volatile language sql as 'select 1';
create table w_defaulted (id int primary key default w_next());
create function w_who() returns int stable language sql as 'select 1';
create table w_policed (id int primary key);
alter table w_policed enable row level security;
create policy p on w_policed using (id = w_who());
"""


def test_a_write_reaches_what_its_foreign_keys_write_unless_code_runs(
    rls_conn: psycopg.Connection,
) -> None:
    rls_conn.execute("begin")
    try:
        rls_conn.execute(GRAPH)
        names = ["root", "child", "grandchild", "plain", "triggered", "defaulted", "policed"]
        oids = {
            f"w_{n}": rls_conn.execute("select %s::regclass::oid", (f"w_{n}",)).fetchone()[0]
            for n in names
        }
        graph = write_graph(rls_conn, {name: [oid] for name, oid in oids.items()})
    finally:
        rls_conn.execute("rollback")
    assert graph.closure("w_grandchild") == {"w_grandchild"}
    assert graph.closure("w_plain") == {"w_plain"}  # NO ACTION writes nothing
    assert graph.closure("w_child") is None  # cascades into w_triggered, which runs a trigger
    assert graph.closure("w_root") is None
    assert graph.closure("w_triggered") is None
    assert graph.closure("w_defaulted") is None  # a volatile function of its own
    assert graph.closure("w_policed") == {"w_policed"}  # a stable function cannot write


def probe(conn: psycopg.Connection) -> ProbeResult:
    catalog = load_catalog(conn)
    info = conn.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    config = ProbeConfig(tenants=4, adversary="sql")
    return run_probes(lambda: psycopg.connect(dsn, autocommit=True), catalog, config)


def failed(result: ProbeResult) -> set[str]:
    return {f.fingerprint for f in result.findings if f.outcome is Outcome.FAILED}


def test_every_way_of_watching_finds_the_same_flaws(
    rls_template_factory, rls_clone_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = rls_template_factory(AS_WRITTEN)
    counters = failed(probe(rls_clone_factory(template)))
    assert counters
    monkeypatch.setattr(batched, "FEW_LEAVES", 0)  # the first volley reads the WAL position
    by_closure = failed(probe(rls_clone_factory(template)))
    monkeypatch.setattr(batched, "FEW_REACHED", 0)  # and the second the counters, always
    by_counters = failed(probe(rls_clone_factory(template)))
    assert by_closure == counters
    assert by_counters == counters


def test_a_context_set_by_a_custom_snippet_finds_the_same_flaws(
    rls_template_factory, rls_clone_factory
) -> None:
    """The volleys render the snippet with its parameters inlined, as the reproducers
    show it; the verdicts are those of the setting it writes."""
    from harness import db

    template = rls_template_factory(AS_WRITTEN)
    by_setting = failed(probe(rls_clone_factory(template)))
    snippet = "select pg_catalog.set_config('app.current_tenant_id', %(tenant)s, true)"
    spec = db.ContextSpec(mode="sql", snippet=snippet)
    conn = rls_clone_factory(template)
    catalog = load_catalog(conn)
    info = conn.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    config = ProbeConfig(tenants=4, adversary="sql", context=spec)
    result = run_probes(lambda: psycopg.connect(dsn, autocommit=True), catalog, config)
    assert failed(result) == by_setting
