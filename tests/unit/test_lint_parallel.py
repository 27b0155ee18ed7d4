"""`rls-audit lint --jobs N`: the findings of a parallel run are those of a serial run,
in the same order, whether files are shared out whole or cut into slices."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from harness.lint import parallel, tenant_tables_from_ddl
from harness.lint.cli import main
from harness.lint.engine import Linter, LintResult
from harness.lint.parallel import auto_jobs, cpus, lint_parallel

CASES = Path(__file__).resolve().parents[1] / "cases" / "lint"


@pytest.fixture(scope="module")
def tenants():
    return tenant_tables_from_ddl([CASES / "schema"])


def _same(serial: LintResult, par: LintResult) -> None:
    assert par.findings == serial.findings  # equal findings, in the same order
    assert [f.fingerprint for f in par.findings] == [f.fingerprint for f in serial.findings]
    assert (par.files, par.statements) == (serial.files, serial.statements)


def test_suite_cases_give_the_serial_findings(tenants):
    inputs = [p for p in sorted(CASES.iterdir()) if p.suffix in (".sql", ".py")]
    serial = Linter(tenants).lint_paths(inputs)
    assert serial.findings  # the suite has violations, suppressed ones too
    assert any(f.suppressed for f in serial.findings)
    _same(serial, lint_parallel(tenants, inputs, jobs=2))


def test_suite_cases_cut_into_slices_give_the_serial_findings(tenants, monkeypatch):
    """Every .sql case file in slices of two statements: suppressions, unused
    suppressions and the ordinals of repeated statements cross the slices."""
    monkeypatch.setattr(parallel, "SLICE_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_SLICE", 2)
    inputs = [p for p in sorted(CASES.iterdir()) if p.suffix == ".sql"]
    assert parallel._split(inputs[0], 2, Linter(tenants)) is not None
    serial = Linter(tenants).lint_paths(inputs)
    _same(serial, lint_parallel(tenants, inputs, jobs=2))


def _generate(root: Path, files: int, seed: int = 3) -> None:
    """A project of .sql and .py files: violations, clean statements, repeated
    statements, suppressions used and unused, and one large .sql file."""
    rng = random.Random(seed)
    shapes = [
        "SELECT * FROM public.students WHERE tenant_id = $1",
        "SELECT * FROM public.students WHERE id = $1",
        "SELECT p.id FROM public.students p JOIN public.classes t ON t.id = p.class_id "
        "WHERE p.tenant_id = $1",
        "UPDATE public.classes SET name = $2 WHERE id = $1",
        "DELETE FROM public.classes WHERE tenant_id = $1 AND id = $2",
        "INSERT INTO public.classes (id, name) VALUES ($1, $2)",
        "WITH r AS (SELECT * FROM public.students) SELECT * FROM r",
        "-- rls-audit: ignore[RLS301] admin report\nSELECT count(*) FROM public.students",
        "-- rls-audit: ignore[RLS301] stale\nSELECT 1 FROM public.students WHERE tenant_id = $1",
        "SELECT * FROM public.students WHERE",
    ]
    for n in range(files):
        sub = root / f"mod{n % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        stmts = [rng.choice(shapes) for _ in range(rng.randint(1, 8))]
        if n % 5 == 4:
            body = "\n".join(f"cur.execute({s!r})" for s in stmts)
            (sub / f"q{n:03}.py").write_text(f"def run(cur):\n    {body}\n".replace("\n", "\n    "))
        else:
            (sub / f"q{n:03}.sql").write_text(";\n".join(stmts) + ";\n")
    big = [rng.choice(shapes) for _ in range(900)]
    (root / "big.sql").write_text(";\n".join(big) + ";\n")


def test_generated_multi_file_directory_gives_the_serial_findings(tenants, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "SLICE_BYTES", 10_000)
    _generate(tmp_path, 40)
    assert parallel._split(tmp_path / "big.sql", 2, Linter(tenants)) is not None
    serial = Linter(tenants).lint_paths([tmp_path])
    assert len(serial.findings) > 300
    assert {f.rule for f in serial.findings} >= {"RLS301", "RLS302", "RLS303", "RLS304"}
    _same(serial, lint_parallel(tenants, [tmp_path], jobs=2))
    _same(serial, lint_parallel(tenants, [tmp_path], jobs=3))


def test_auto_uses_one_process_for_a_small_input_and_every_cpu_for_a_large_one(tmp_path):
    small = tmp_path / "small.sql"
    small.write_text("SELECT 1;\n")
    assert auto_jobs([small], []) == 1
    large = tmp_path / "large.sql"
    large.write_text("SELECT * FROM public.students WHERE tenant_id = $1;\n" * 2000)
    assert auto_jobs([large], []) == cpus()


def test_cli_jobs_prints_what_a_serial_run_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for key in ("RLS_AUDIT_DSN", "RLS_AUDIT_FAIL_ON", "RLS_AUDIT_TENANT_COLUMN"):
        monkeypatch.delenv(key, raising=False)
    _generate(tmp_path / "app", 12)
    schema = str(CASES / "schema")
    documents = []
    for jobs in ("1", "2"):
        assert main(["app", "--schema", schema, "--format", "json", "--jobs", jobs]) == 1
        doc = json.loads(capsys.readouterr().out)
        doc["summary"].pop("duration_s", None)
        documents.append(doc)
    assert documents[0] == documents[1]


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_cli_rejects_a_bad_jobs_value_in_one_line(value, capsys):
    assert main(["app", "--jobs", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rls-audit: error: argument --jobs:") and err.count("\n") == 1
