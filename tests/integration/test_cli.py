"""The command line end to end: reports written, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("rls-audit: error:")]
    assert "Traceback" not in stderr
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--dsn", "host=localhost port=5432 = nonsense", "--backend", "local"], "invalid DSN"),
        (["--dsn", "postgresql://nobody@127.0.0.1:1/db"], "cannot connect to"),
        (["--schema", "does/not/exist"], "schema directory does/not/exist does not exist"),
        (["--fail-on", "severe"], "unknown severity 'severe'"),
        (["--format", "pdf"], "unknown format 'pdf'"),
        (["--backend", "kubernetes"], "unknown backend 'kubernetes'"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
    ids=[
        "bad-dsn",
        "unreachable-host",
        "missing-schema",
        "bad-severity",
        "bad-format",
        "bad-backend",
        "bad-option",
    ],
)
def test_usage_and_connection_errors_exit_2_with_one_clear_line(args, expected):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert expected in one_error_line(proc.stderr)


def test_syntax_error_in_a_schema_file_exits_2_naming_file_and_line(tmp_path):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_tables.sql").write_text(
        "create table a (id int);\n\ncreate tabel b (id int);\n"
    )
    proc = run_cli("--schema", str(schema), "--backend", "local", "--output", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc.stderr)
    assert '0001_tables.sql:3: syntax error at or near "tabel"' in line
    assert not (tmp_path / "rls-audit.json").exists()


def test_malformed_config_file_exits_2(tmp_path):
    config = tmp_path / "audit.toml"
    config.write_text("[tool.rls-audit\n")
    proc = run_cli("--config", str(config))
    assert proc.returncode == 2
    assert "is not valid TOML" in one_error_line(proc.stderr)


def check_report(path: Path, schema: str) -> dict:
    doc = json.loads(path.read_text())
    assert set(doc) >= {"tool", "target", "summary", "findings"}
    assert doc["tool"]["name"] == "rls-audit"
    assert doc["target"]["schema"] == schema
    assert doc["target"]["server_version"]
    assert doc["summary"]["verdict"] in ("pass", "fail")
    for finding in doc["findings"]:
        assert set(finding) >= {
            "rule",
            "name",
            "severity",
            "category",
            "object",
            "message",
            "evidence",
            "remediation",
            "location",
            "fingerprint",
            "outcome",
        }
    return doc


@pytest.mark.parametrize(
    ("backend", "stages"),
    [("local", ["--plan-rows", "20000"]), ("embedded", ["--no-probes", "--no-plans"])],
    ids=["local", "embedded"],
)
def test_audit_of_the_bundled_schema_writes_the_json_report(tmp_path, backend, stages):
    proc = run_cli(
        "--schema",
        "schema",
        "--backend",
        backend,
        "--format",
        "json",
        "--output",
        str(tmp_path),
        *stages,
    )
    assert proc.returncode in (0, 1), proc.stderr
    doc = check_report(tmp_path / "rls-audit.json", "schema")
    assert doc["target"]["backend"] == backend
    assert doc["summary"]["tenant_tables"] >= 12
    assert (proc.returncode == 0) == (doc["summary"]["verdict"] == "pass")


def test_the_spec009_as_written_fixture_loads_and_is_audited(tmp_path):
    schema = "tests/schemas/spec009_as_written"
    exit_code = main(
        [
            "--schema",
            schema,
            "--backend",
            "local",
            "--format",
            "json",
            "--output",
            str(tmp_path),
            "--quiet",
            "--no-probes",
            "--no-plans",
        ]
    )
    assert exit_code in (0, 1)
    doc = check_report(tmp_path / "rls-audit.json", schema)
    assert doc["summary"]["tenant_tables"] >= 4
    assert doc["target"]["load"]["files"] >= 1


def test_app_sql_is_linted_and_explained_inside_the_audit(tmp_path):
    """--app-sql: the application's queries are linted against the audited catalog and
    explained as each tenant size, in the same run and report."""
    app = tmp_path / "app.sql"
    app.write_text(
        "SELECT * FROM students WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 50;\n"
        "SELECT * FROM grades;\n"
    )
    out = tmp_path / "out"
    code = main(["--schema", str(ROOT / "schema"), "--backend", "local", "--no-probes",
                 "--plan-rows", "2000", "--app-sql", str(app), "--format", "json",
                 "--output", str(out), "--quiet"])  # fmt: skip
    assert code == 1  # the unrestricted query gates
    doc = json.loads((out / "rls-audit.json").read_text())
    lint = [f for f in doc["findings"] if f["rule"] == "RLS301"
            and f["location"]["path"].endswith("app.sql")]  # fmt: skip
    assert [(f["object"], f["location"]["line"]) for f in lint] == [("public.grades", 2)]
    overhead = doc["target"]["load"]["plans"]["rls_overhead"]
    assert "app" in overhead["public.students"]  # the app query ran under RLS and as owner


def test_app_sql_that_does_not_exist_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["--schema", str(ROOT / "schema"), "--app-sql", str(tmp_path / "nope"),
                 "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--app-sql" in err[0] and "does not exist" in err[0]
