"""`rls-audit lint`: exit codes, console and JSON output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.lint.cli import main

SCHEMA = "CREATE TABLE notes (id uuid, tenant_id uuid NOT NULL, body text);\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("RLS_AUDIT_DSN", "RLS_AUDIT_FAIL_ON", "RLS_AUDIT_TENANT_COLUMN"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "0001.sql").write_text(SCHEMA)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ok.sql").write_text("SELECT * FROM notes WHERE tenant_id = $1;\n")
    return tmp_path


def _bad(project: Path) -> Path:
    path = project / "app" / "bad.sql"
    path.write_text("SELECT 1;\nSELECT body FROM notes WHERE id = $1;\n")
    return path


def test_clean_code_exits_0(project, capsys):
    assert main(["app", "--schema", "schema"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS: 1 inputs, 1 statements, 1 tenant tables")


def test_findings_at_the_threshold_exit_1_with_file_line_column(project, capsys):
    _bad(project)
    assert main(["app"]) == 1  # ./schema is the default
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "app/bad.sql:2:18: RLS301 high missing-tenant-predicate: public.notes is read: "
        "no predicate restricts notes.tenant_id to a single tenant"
    )
    assert out[1].startswith("    | SELECT body FROM notes")
    assert out[-1].startswith("FAIL: 2 inputs, 3 statements")


def test_threshold_above_the_findings_exits_0(project):
    _bad(project)
    assert main(["app", "--fail-on", "critical"]) == 0


def test_json_report(project, capsys):
    _bad(project)
    assert main(["app/bad.sql", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["verdict"] == "fail" and doc["summary"]["statements"] == 2
    assert doc["target"]["tenant_tables"] == ["public.notes"]
    (finding,) = doc["findings"]
    assert finding["rule"] == "RLS301" and finding["stage"] == "lint"
    assert finding["location"] == {"path": "app/bad.sql", "line": 2, "column": 18}


def test_other_tenant_column(project, capsys):
    (project / "schema" / "0001.sql").write_text("CREATE TABLE notes (id uuid, org_id uuid);\n")
    (project / "app" / "ok.sql").write_text("SELECT * FROM notes WHERE org_id = %s;\n")
    assert main(["app", "--tenant-column", "org_id"]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nosuch.sql"], "rls-audit: error: lint: nosuch.sql does not exist"),
        (["app", "--schema", "nowhere"], "rls-audit: error: no schema to find tenant tables in"),
        (["app", "--tenant-column", "org_id"], "rls-audit: error: no tenant tables with column"),
        ([], "rls-audit: error: nothing to lint"),
        (["app", "--fail-on", "severe"], "rls-audit: error: option: fail_on: unknown severity"),
        (["app", "--format", "xml"], "rls-audit: error: argument --format: invalid choice"),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(project, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_help_exits_0(project, capsys):
    assert main(["--help"]) == 0
    assert "--tenant-column" in capsys.readouterr().out


def test_error_from_a_real_process_has_no_traceback(project):
    proc = subprocess.run(
        [sys.executable, "-m", "harness.lint.cli", "missing.sql"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr
        == "rls-audit: error: lint: missing.sql does not exist (pass .sql/.py files or dirs)\n"
    )
