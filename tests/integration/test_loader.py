"""The schema loader applies migrations through psycopg and reports errors precisely."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from harness.errors import ConfigError, SchemaLoadError
from harness.schema_loader import load_schema
from harness.target.janitor import create_database, drop_database, unique_name

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch(rls_target):
    name = unique_name("loader")
    create_database(rls_target, name)
    conn = psycopg.connect(rls_target.conninfo(name), autocommit=True)
    conn.execute("create role loader_owner nologin")
    yield conn
    conn.close()
    drop_database(rls_target, name)
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as admin:
        admin.execute("drop role if exists loader_owner")


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def test_files_apply_in_name_order_as_the_owner_with_concurrent_indexes(scratch, tmp_path):
    schema = write(
        tmp_path / "schema",
        {
            "0002_index.sql": "create index concurrently t_a_idx on t (a);\n"
            "insert into t values (2, 'x;y');\n",
            "0001_table.sql": "create table t (a int, b text);\n"
            "create function f() returns int language plpgsql as $$\n"
            "begin\n  return 1; -- ; inside a body\nend\n$$;\n",
            "notes.txt": "not applied",
        },
    )
    scratch.execute("grant create on schema public to loader_owner")
    report = load_schema(scratch, schema, owner_role="loader_owner", shim=False)
    assert [Path(f).name for f in report.files] == ["0001_table.sql", "0002_index.sql"]
    assert report.statements == 4
    owner = scratch.execute("select tableowner from pg_tables where tablename = 't'").fetchone()
    assert owner == ("loader_owner",)
    valid = scratch.execute(
        "select indisvalid from pg_index where indexrelid = 't_a_idx'::regclass"
    ).fetchone()
    assert valid == (True,)
    assert scratch.execute("select current_user").fetchone() != ("loader_owner",)


def test_sql_error_names_file_line_and_statement_and_stops_the_load(scratch, tmp_path):
    schema = write(
        tmp_path / "schema",
        {
            "0001_ok.sql": "create table ok (a int);\n",
            "0002_bad.sql": "create table fine (a int);\n\ncreate table broken (\n  a int,\n"
            "  b nonexistent_type\n);\n",
            "0003_never.sql": "create table never (a int);\n",
        },
    )
    scratch.execute("grant create on schema public to loader_owner")
    with pytest.raises(SchemaLoadError) as info:
        load_schema(scratch, schema, owner_role="loader_owner", shim=False)
    err = info.value
    assert err.path.endswith("0002_bad.sql")
    assert err.line == 5  # the line of the unknown type, not of the statement's start
    assert "0002_bad.sql:5" in str(err)
    assert 'type "nonexistent_type" does not exist' in str(err)
    assert "create table broken" in str(err)
    tables = {
        r[0] for r in scratch.execute("select tablename from pg_tables where schemaname = 'public'")
    }
    assert tables == {"ok"}  # the failing file's transaction rolled back; later files never ran


def test_syntax_error_and_psql_meta_command_are_reported_with_their_line(scratch, tmp_path):
    scratch.execute("grant create on schema public to loader_owner")
    bad = write(tmp_path / "a", {"0001.sql": "select 1;\nselec 2;\n"})
    with pytest.raises(SchemaLoadError, match=r"0001.sql:2: syntax error at or near \"selec\""):
        load_schema(scratch, bad, owner_role="loader_owner", shim=False)
    meta = write(tmp_path / "b", {"0001.sql": "select 1;\n\\echo hello\n"})
    with pytest.raises(SchemaLoadError, match=r"0001.sql:2: psql meta-command \\echo"):
        load_schema(scratch, meta, owner_role="loader_owner", shim=False)


def test_missing_or_empty_schema_directory_is_a_config_error(scratch, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_schema(scratch, tmp_path / "missing", shim=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"holds no \.sql files"):
        load_schema(scratch, tmp_path / "empty", shim=False)
