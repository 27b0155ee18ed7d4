"""The plan stage on real servers: each flaw fixture gives its findings, the hardened
schema none, the same seed the same verdicts, and --dsn mode writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from harness.catalog import load_catalog
from harness.findings.model import Outcome
from harness.plans import run_plan_stage
from harness.plans.explain import digest
from harness.plans.model import PlanStageResult
from harness.plans.volume import load_volume

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
FIXTURES = sorted(p.name for p in SCHEMAS.glob("plan_*") if (p / "expected.json").exists())
ROWS = 12_000
"""Enough for every fixture table to pass the 1,000-row judging threshold."""
BUNDLED_ROWS = 30_000
"""Every one of the 15 bundled tenant tables gets more than 1,000 rows."""
SEED = 7


def stage(
    conn: psycopg.Connection, *, ephemeral: bool = True, rows: int = ROWS, **kw
) -> PlanStageResult:
    catalog = load_catalog(conn)
    return run_plan_stage(
        conn, catalog, ephemeral=ephemeral, seed=SEED, rows=rows, timing_runs=1, **kw
    )


def orphans(conn: psycopg.Connection) -> list[str]:
    """Foreign keys of public tables with a referencing row whose parent is missing."""
    found = []
    for c in load_catalog(conn).constraints:
        if c.type != "foreign key" or c.schema != "public" or not c.referenced_table:
            continue
        pairs = list(zip(c.columns, c.referenced_columns, strict=True))
        query = sql.SQL(
            "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})"
        ).format(
            sql.Identifier(c.schema, c.table),
            sql.SQL(" AND ").join(
                sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(a)) for a, _ in pairs
            ),
            sql.Identifier(*c.referenced_table.split(".")),
            sql.SQL(" AND ").join(
                sql.SQL("p.{} = c.{}").format(sql.Identifier(b), sql.Identifier(a))
                for a, b in pairs
            ),
        )
        if conn.execute(query).fetchone()[0]:
            found.append(c.qualified_name)
    return found


def verdicts(result: PlanStageResult) -> list[tuple[str, str, str, str]]:
    return [(f.rule, str(f.object), f.outcome.value, f.message) for f in result.findings]


@pytest.fixture
def fixture_conn(rls_template_factory, rls_clone_factory):
    def make(name: str) -> psycopg.Connection:
        return rls_clone_factory(rls_template_factory(SCHEMAS / name))

    return make


@pytest.mark.parametrize("name", FIXTURES)
def test_flaw_fixture_gives_exactly_its_plan_findings(fixture_conn, name: str) -> None:
    expected = json.loads((SCHEMAS / name / "expected.json").read_text())
    result = stage(fixture_conn(name))
    got = {(f.rule, str(f.object)) for f in result.findings}
    assert got == {tuple(pair) for pair in expected["plan_findings"]}, verdicts(result)
    for finding in result.findings:
        evidence = finding.evidence
        assert finding.outcome is Outcome.FAILED
        assert evidence.plan["tree"] and evidence.plan["json"]
        assert evidence.details["size_class"] == "large" and evidence.details["tenant_rows"] > 0
        assert "SET LOCAL ROLE" in evidence.reproducer
    rls201 = next(f for f in result.findings if f.rule == "RLS201")
    if name in ("plan_missing_tenant_index", "plan_index_not_tenant_led"):
        assert rls201.remediation.fix_sql.startswith(
            'CREATE INDEX CONCURRENTLY ON "public"."tasks" ("tenant_id"'
        )


def test_hardened_bundled_schema_has_no_plan_finding(rls_conn) -> None:
    result = stage(rls_conn, rows=BUNDLED_ROWS)
    assert verdicts(result) == []
    tables = {r.table for r in result.plans}
    assert len(tables) == 15
    assert all(r.error is None and r.table_rows >= 1000 for r in result.plans)
    assert {r.tenant.size_class for r in result.plans} == {"large", "medium", "small"}
    assert all(r.analyzed and r.overhead is not None for r in result.plans)


def test_same_seed_same_verdicts_five_times(fixture_conn) -> None:
    runs = [stage(fixture_conn("plan_index_not_tenant_led")) for _ in range(5)]
    first = runs[0]
    assert verdicts(first), "the fixture must give findings for this test to mean anything"
    for run in runs[1:]:
        assert verdicts(run) == verdicts(first)
        assert run.volume.digest == first.volume.digest
        assert digest(run.plans) == digest(first.plans)


def test_generated_rows_keep_every_foreign_key(rls_conn) -> None:
    result = stage(rls_conn, rows=BUNDLED_ROWS)
    assert not [t for t in result.volume.tables if t.error]
    assert orphans(rls_conn) == []
    for table in result.volume.tables:
        count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*table.table.split(".")))
        assert rls_conn.execute(count).fetchone()[0] == table.rows > 0


def test_dsn_mode_writes_nothing_and_reads_live_statistics(fixture_conn) -> None:
    conn = fixture_conn("plan_volatile_policy_function")
    loaded = stage(conn)  # commits the data, as an ephemeral run does
    before = conn.execute(STATE).fetchall()
    live = stage(conn, ephemeral=False)
    assert conn.execute(STATE).fetchall() == before
    assert {(f.rule, str(f.object)) for f in live.findings} == {
        (f.rule, str(f.object)) for f in loaded.findings
    }
    assert all(not r.analyzed and r.execution_ms is None for r in live.plans)
    large = next(s for s in live.samples if s.table == "public.tasks").tenants[0]
    generated = next(s for s in loaded.samples if s.table == "public.tasks").tenants[0]
    assert (large.size_class, large.tenant) == ("large", generated.tenant)


def test_app_query_condition_kept_out_of_the_index_by_rls(rls_conn) -> None:
    """lower() is not LEAKPROOF: under the policy it runs as a Filter (pitfall 21)."""
    rls_conn.execute(
        "create index users_tenant_lower_email on public.users (tenant_id, lower(email))"
    )
    query = "SELECT * FROM public.users WHERE lower(email) = 'email5@example.test'"
    result = stage(rls_conn, rows=BUNDLED_ROWS, app_queries={"public.users": [query]})
    assert [(f.rule, str(f.object)) for f in result.findings] == [("RLS205", "public.users")]
    assert "lower" in result.findings[0].message


STATE = """
select c.oid::regclass::text, c.reltuples, c.relpages, c.relallvisible,
       (select count(*) from pg_statistic s where s.starelid = c.oid),
       (select md5(string_agg(s::text, ',' order by s.staattnum)) from pg_statistic s
         where s.starelid = c.oid)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind = 'r'
order by 1
"""


GENERIC_SCHEMA = """
create type public.mood as enum ('calm', 'busy');
create domain public.short_code as varchar(6) check (value <> '');
create table public.countries (code char(2) primary key, name text not null);
insert into public.countries values ('fr', 'France'), ('jp', 'Japan');
create table public.orgs (id bigint generated always as identity primary key, name text not null);
create table public.teams (
  id bigint generated by default as identity,
  tenant_id bigint not null references public.orgs (id),
  code public.short_code not null,
  mood public.mood not null,
  country char(2) not null references public.countries (code),
  size smallint not null check (size between 1 and 9),
  primary key (tenant_id, id)
);
create table public.members (
  id serial,
  tenant_id bigint not null references public.orgs (id),
  team_id bigint not null,
  joined date not null,
  left_on date,
  primary key (tenant_id, id),
  foreign key (tenant_id, team_id) references public.teams (tenant_id, id),
  unique (tenant_id, team_id, joined)
);
"""


def test_loader_handles_identity_keys_enums_domains_and_lookup_tables(rls_blank_conn) -> None:
    conn = rls_blank_conn
    conn.execute(GENERIC_SCHEMA)
    catalog = load_catalog(conn)
    volume = load_volume(conn, catalog, rows=3_000, seed=SEED)
    assert [t.error for t in volume.tables] == [None, None]
    assert {t.table: t.rows > 0 for t in volume.tables} == {
        "public.teams": True,
        "public.members": True,
    }
    assert orphans(conn) == []
    moods = {r[0] for r in conn.execute("select distinct mood::text from public.teams")}
    assert moods <= {"calm", "busy"}
    assert conn.execute("select count(*) from public.orgs").fetchone()[0] == volume.tenants


def test_a_role_that_bypasses_rls_is_refused_and_nothing_is_loaded(rls_conn) -> None:
    result = stage(rls_conn, api_role="service_role")
    assert {f.rule for f in result.findings} == {"RLS200"}
    assert all(f.outcome is Outcome.INCONCLUSIVE for f in result.findings)
    assert "bypasses row-level security" in result.findings[0].message
    assert rls_conn.execute("select count(*) from public.tenants").fetchone()[0] == 0
