"""`rls-audit rules`, `rules --format md` and `explain` (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "RLS001  rls-disabled" in out and "RLS080  api-role-bypasses-rls" in out


def test_rules_md_matches_rules_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "md"]) == 0
    assert capsys.readouterr().out == (ROOT / "RULES.md").read_text("utf-8")


@pytest.mark.parametrize("key", ["RLS030", "rls030", "truncate-granted"])
def test_explain_by_id_or_name(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", key]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RLS030 truncate-granted:")
    assert "Why it matters:" in out and "Best practice:" in out and "References:" in out


def test_explain_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "RLS999"]) == 2
    assert "no check" in capsys.readouterr().err


def test_fix_requires_output(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fix", "--schema", "schema"])
    assert exc.value.code == 2
    assert "--output" in capsys.readouterr().err
