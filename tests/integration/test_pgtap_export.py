"""`rls-audit export-pgtap`: the suite exported from the hardened schema passes on it and
fails, naming the broken tests, on a flawed variant. Run with pg_prove where Debian's
pgTAP package installed it (.ci/run does), else statement by statement over psycopg.
Servers without the pgtap extension (the embedded PostgreSQL 18) skip with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.config import KEYS, resolve
from harness.pgtap import export_pgtap
from harness.pgtap.prove import parse_tap, run_suite

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_tap_output_is_read_as_pg_prove_reads_it():
    planned, passed, failed = parse_tap(
        ["1..3", "ok 1 - a", "not ok 2 - b has RLS enabled", "# Failed test 2", "ok 3"]
    )
    assert (planned, passed, failed) == (3, 2, ["b has RLS enabled"])


@pytest.fixture(scope="module")
def suite(rls_target, tmp_path_factory):
    """The suite exported from the bundled hardened schema, once per backend."""
    with pytest.importorskip("psycopg").connect(rls_target.conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "select default_version from pg_catalog.pg_available_extensions where name = 'pgtap'"
        ).fetchone()
    if row is None:
        pytest.skip(
            f"the {rls_target.backend} server (PostgreSQL {rls_target.server_version}) has no "
            "pgtap extension; install Debian's postgresql-<major>-pgtap (.ci/run does for 15)"
        )
    options = {"dsn": rls_target.conninfo(), "schema": ROOT / "schema"}
    if "probes" in KEYS:
        options["probes"] = False
    out = tmp_path_factory.mktemp("pgtap")
    exported = export_pgtap(resolve(options, environ={}), out)
    return exported


def test_the_export_writes_a_runnable_suite(suite):
    names = sorted(p.name for p in suite.files)
    assert names == ["rls_access.test.sql", "rls_structure.test.sql"]
    assert suite.failing == ()  # the hardened schema isolates every tenant
    assert suite.structure_tests > 50 and suite.access_tests > 100
    text = (suite.directory / "rls_access.test.sql").read_text()
    assert text.count("SELECT is(pg_temp.rls_try(") == suite.access_tests
    root = str(Path(__file__).resolve().parents[2])
    assert "ROLLBACK;" in text and root not in text  # no machine paths in the suite


def test_the_suite_passes_on_the_hardened_schema(suite, rls_conn, rls_target):
    result = run_suite(rls_target.conninfo(rls_conn.info.dbname), suite.files)
    assert result.ok, result.failed or result.output[-2000:]
    assert result.planned == suite.structure_tests + suite.access_tests
    if shutil.which("pg_prove"):
        assert result.runner == "pg_prove"


def test_the_suite_fails_on_a_flawed_variant_naming_what_broke(suite, rls_conn, rls_target):
    rls_conn.execute("ALTER TABLE public.students DISABLE ROW LEVEL SECURITY")
    rls_conn.execute("ALTER TABLE public.branches NO FORCE ROW LEVEL SECURITY")
    rls_conn.execute(
        "CREATE POLICY branches_open ON public.branches FOR SELECT TO authenticated USING (true)"
    )
    result = run_suite(
        rls_target.conninfo(rls_conn.info.dbname), suite.files, prefer_pg_prove=False
    )
    assert result.runner == "psycopg"
    assert set(result.failed) == {
        "public.students has RLS enabled",
        "public.branches forces RLS",
        "public.branches has exactly the audited policies",
        "authenticated as tenant A: SELECT on another tenant's rows of public.branches",
        "authenticated as tenant A: SELECT on another tenant's rows of public.students",
        "authenticated as tenant A: INSERT on another tenant's rows of public.students",
        "authenticated as tenant A: UPDATE on another tenant's rows of public.students",
        "authenticated as tenant A: DELETE on another tenant's rows of public.students",
    }


def test_the_export_is_the_same_byte_for_byte_each_time(suite, rls_target, tmp_path):
    """A suite checked into a repository must not change when nothing else did: no clock
    value, no random id differs between two exports of the same schema."""
    options = {"dsn": rls_target.conninfo(), "schema": ROOT / "schema", "probes": False}
    export_pgtap(resolve(options, environ={}), tmp_path)
    for path in suite.files:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
