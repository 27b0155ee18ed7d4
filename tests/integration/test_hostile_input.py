"""Hostile input: each bad input is refused with one line and exit 2, never a traceback or
a hang; odd but valid input (quoted, spaced, unicode identifiers) is loaded and audited."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from harness.cli import main
from harness.lint.sources import MAX_BYTES

pytestmark = pytest.mark.integration

QUIET = ["--quiet", "--no-probes", "--no-plans", "--format", "json"]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusals exit from inside the parser
        code = exc.code if isinstance(exc.code, int) else 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if line.strip()]


def assert_refused(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    code, lines = run_cli(argv, capsys)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("rls-audit: error: "), lines
    assert "internal error" not in lines[0], lines
    for needle in needles:
        assert needle in lines[0], lines
    return lines[0]


def schema_dir(tmp_path: Path, text: str | bytes, name: str = "0001_init.sql") -> Path:
    directory = tmp_path / "schema"
    directory.mkdir(exist_ok=True)
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return directory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def garbage_server() -> Iterator[int]:
    """A TCP listener on 127.0.0.1 that answers anything with non-PostgreSQL bytes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                peer, _ = listener.accept()
            except OSError:
                continue
            with peer:
                peer.settimeout(2)
                try:
                    peer.recv(1024)
                    peer.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff\xfe garbage")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


# --- connections -------------------------------------------------------------------


def test_unreachable_host(capsys, tmp_path):
    dsn = f"host=127.0.0.1 port={free_port()} dbname=x user=x connect_timeout=3"
    assert_refused(["--dsn", dsn, *QUIET, "--output", str(tmp_path)], capsys, "cannot connect")
    assert not (tmp_path / "rls-audit.json").exists()


def test_port_that_is_not_postgresql(capsys, tmp_path):
    with garbage_server() as port:
        dsn = f"host=127.0.0.1 port={port} dbname=x user=x connect_timeout=3 sslmode=prefer"
        assert_refused(["--dsn", dsn, *QUIET, "--output", str(tmp_path)], capsys, "cannot connect")


@pytest.mark.parametrize("dsn", ["host=x port", "postgresql://[::1", "dbname='unterminated"])
def test_malformed_dsn(dsn, capsys, tmp_path):
    assert_refused(["--dsn", dsn, *QUIET, "--output", str(tmp_path)], capsys, "invalid DSN")


def test_malformed_dsn_with_read_only(capsys, tmp_path):
    argv = ["--dsn", "host=x port", "--read-only", *QUIET, "--output", str(tmp_path)]
    assert_refused(argv, capsys, "invalid DSN")


def test_wrong_password(rls_target, capsys, tmp_path):
    """Our servers trust local logins; for one role we demand a password, then restore."""
    root = getattr(rls_target, "root", None)
    if root is None or not (Path(root) / "data" / "pg_hba.conf").is_file():
        pytest.skip("needs a server started by the test run (its pg_hba.conf is edited)")
    hba = Path(root) / "data" / "pg_hba.conf"
    role = "rls_audit_hostile_pw"
    original = hba.read_text()
    with psycopg.connect(rls_target.conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("create role {} login password 'right-one'").format(sql.Identifier(role))
        )
        try:
            hba.write_text(f"local all {role} scram-sha-256\n{original}")
            admin.execute("select pg_reload_conf()")
            dsn = psycopg.conninfo.make_conninfo(
                rls_target.conninfo(), user=role, password="wrong-one"
            )
            line = assert_refused(
                ["--dsn", dsn, *QUIET, "--output", str(tmp_path)], capsys, "password"
            )
            assert "wrong-one" not in line  # the DSN is redacted
        finally:
            hba.write_text(original)
            admin.execute("select pg_reload_conf()")
            admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


# --- schema files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("create table t (id int);\ncreate tabel u (id int);\n", ("0001_init.sql:2", "tabel")),
        ("create table t (id int);\n\\i other.sql\n", ("0001_init.sql:2", "meta-command \\i")),
        ("\\set ON_ERROR_STOP on\ncreate table t (id int);\n", ("meta-command \\set",)),
        ("create table t (id text default 'abc);\n", ("unterminated ' quote",)),
        ('create table "t (id int);\n', ('unterminated " quote',)),
        (
            "create function f() returns int language sql as $body$ select 1;\n",
            ("unterminated dollar quote $body$",),
        ),
        ("/* never closed\ncreate table t (id int);\n", ("unterminated /* comment",)),
    ],
    ids=["syntax", "meta-include", "meta-set", "quote", "ident-quote", "dollar", "comment"],
)
def test_bad_schema_file(rls_target, text, needles, capsys, tmp_path):
    directory = schema_dir(tmp_path, text)
    argv = ["--dsn", rls_target.conninfo(), "--schema", str(directory), *QUIET,
            "--output", str(tmp_path / "out")]  # fmt: skip
    assert_refused(argv, capsys, *needles)


@pytest.mark.parametrize(
    "payload",
    [b"\x00\xff\xfe\x00 not text", b"create table t (id int);\x00\n"],
    ids=["not-utf8", "nul-byte"],
)
def test_binary_schema_file(rls_target, payload, capsys, tmp_path):
    directory = schema_dir(tmp_path, payload)
    argv = ["--dsn", rls_target.conninfo(), "--schema", str(directory), *QUIET,
            "--output", str(tmp_path / "out")]  # fmt: skip
    assert_refused(argv, capsys, "0001_init.sql")


# --- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "needles"),
    [
        ("[tool.rls-audit]\nbogus-key = 1\n", ("unknown setting 'bogus-key'",)),
        ("[tool.rls-audit]\ntenant-column = 5\n", ("tenant_column", "expected a string")),
        ("[tool.rls-audit]\nfail-on = 3\n", ("fail_on",)),
        ("[tool.rls-audit]\nplan-rows = 'many'\n", ("plan_rows",)),
        ("[tool.rls-audit]\nformats = ['pdf']\n", ("unknown format 'pdf'",)),
        ("[tool.rls-audit]\nprobe-tenants = 'x'\n", ("probe_tenants",)),
        ("[tool.rls-audit\n", ("not valid TOML",)),
    ],
    ids=["unknown-key", "int-for-string", "int-severity", "rows", "format", "tenants", "toml"],
)
def test_bad_configuration(toml, needles, capsys, tmp_path):
    config = tmp_path / "rls.toml"
    config.write_text(toml)
    argv = ["--config", str(config), "--dsn", "host=127.0.0.1 port=1", *QUIET]
    assert_refused(argv, capsys, "rls.toml", *needles)


@pytest.mark.parametrize("value", ["abc", "1.5", ""])
def test_bad_option_value(value, capsys):
    assert_refused(["--tenants", value, "--dsn", "host=127.0.0.1 port=1", *QUIET], capsys)


# --- the linter --------------------------------------------------------------------


def test_lint_refuses_a_huge_file(repo_root, capsys, tmp_path):
    big = tmp_path / "dump.sql"
    with big.open("wb") as out:
        out.truncate(MAX_BYTES + 1)  # sparse: no time spent writing it
    assert_refused(
        ["lint", str(big), "--schema", str(repo_root / "schema")], capsys, "dump.sql", "bytes"
    )


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe\x00\x01" * 1000, b"select 1;\x00\x00\x00 from users;"],
    ids=["not-utf8", "nul-bytes"],
)
@pytest.mark.parametrize("suffix", [".sql", ".py"])
def test_lint_refuses_a_binary_file(payload, suffix, repo_root, capsys, tmp_path):
    path = tmp_path / f"blob{suffix}"
    path.write_bytes(payload)
    assert_refused(
        ["lint", str(path), "--schema", str(repo_root / "schema")], capsys, f"blob{suffix}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "select 'abc from users;\n",
        "select $x$ abc from users;\n",
        'select "x from users;\n',
        "/* unclosed select * from users;\n",
        "select e'\\' from users;\n",
    ],
    ids=["quote", "dollar", "ident", "comment", "escape"],
)
def test_lint_survives_unbalanced_sql(text, repo_root, capsys, tmp_path):
    path = tmp_path / "app.sql"
    path.write_text(text)
    code, lines = run_cli(["lint", str(path), "--schema", str(repo_root / "schema")], capsys)
    assert code in (0, 1), lines
    assert not any("internal error" in line for line in lines), lines


# --- odd but valid identifiers, and tenant ids of another type ---------------------

ODD_SCHEMA = """
create table public."Tenant ""Odd"" Ünïcode tbl" (
  id int primary key,
  tenant_id uuid not null,
  "naïve col; with space" text,
  "ß$" int
);
alter table public."Tenant ""Odd"" Ünïcode tbl" enable row level security;
create policy "isolation ""p"" ü" on public."Tenant ""Odd"" Ünïcode tbl"
  using (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);
grant select, insert, update, delete on public."Tenant ""Odd"" Ünïcode tbl" to authenticated;
create schema "Schéma with space";
create table "Schéma with space"."x'y" (tenant_id uuid not null, v text);
"""


def test_odd_identifiers_load_audit_and_fingerprint(rls_target, rls_blank_conn, capsys, tmp_path):
    rls_blank_conn.execute(ODD_SCHEMA)
    rls_blank_conn.execute(
        'insert into public."Tenant ""Odd"" Ünïcode tbl" values'
        " (1, gen_random_uuid(), 'a;b', 1), (2, gen_random_uuid(), E'quote\\'s', 2)"
    )
    dsn = rls_target.conninfo(rls_blank_conn.info.dbname)
    code, lines = run_cli(["--dsn", dsn, *QUIET, "--output", str(tmp_path)], capsys)
    assert code in (0, 1), lines
    doc = json.loads((tmp_path / "rls-audit.json").read_text())
    objects = {f["object"] for f in doc["findings"]}
    assert any("Odd" in o for o in objects) or any("x'y" in o for o in objects)
    trace = doc["target"]["trace"]
    assert trace["before"]["tables"]['public.Tenant "Odd" Ünïcode tbl']["rows"] == 2
    assert trace["identical"]


def test_odd_identifiers_in_schema_files(rls_target, capsys, tmp_path):
    directory = schema_dir(tmp_path, ODD_SCHEMA, name="0001_odd ñame.sql")
    argv = ["--dsn", rls_target.conninfo(), "--schema", str(directory), *QUIET,
            "--output", str(tmp_path / "out")]  # fmt: skip
    code, lines = run_cli(argv, capsys)
    assert code in (0, 1), lines
    doc = json.loads((tmp_path / "out" / "rls-audit.json").read_text())
    assert doc["summary"]["tenant_tables"] == 2


INT_TENANT_SCHEMA = """
create table public.notes (
  id int generated always as identity primary key,
  tenant_id int not null,
  body text
);
alter table public.notes enable row level security;
alter table public.notes force row level security;
create policy notes_tenant on public.notes
  using (tenant_id = current_setting('app.current_tenant_id', true)::int)
  with check (tenant_id = current_setting('app.current_tenant_id', true)::int);
grant select, insert, update, delete on public.notes to authenticated;
"""


def test_tenant_ids_invalid_for_the_column_type(rls_target, capsys, tmp_path):
    """An integer tenant column: garbage or uuid-shaped contexts fail the cast in the
    policy; the probes must judge that, not crash on it."""
    directory = schema_dir(tmp_path, INT_TENANT_SCHEMA)
    argv = ["--dsn", rls_target.conninfo(), "--schema", str(directory), "--quiet",
            "--no-plans", "--tenants", "3", "--format", "json",
            "--output", str(tmp_path / "out")]  # fmt: skip
    code, lines = run_cli(argv, capsys)
    assert code in (0, 1), lines
    doc = json.loads((tmp_path / "out" / "rls-audit.json").read_text())
    assert doc["summary"]["tenant_tables"] == 1
