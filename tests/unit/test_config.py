from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import resolve
from harness.errors import ConfigError
from harness.findings import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return path


def test_precedence_option_over_environment_over_file_over_default(tmp_path):
    write(
        tmp_path, '[tool.rls-audit]\ntenant-column = "org_id"\nfail-on = "low"\nbackend = "local"\n'
    )
    env = {"RLS_AUDIT_FAIL_ON": "critical", "RLS_AUDIT_BACKEND": "embedded"}
    config = resolve({"backend": "docker"}, environ=env, cwd=tmp_path)
    assert config.tenant_column == "org_id"  # file
    assert config.fail_on is Severity.CRITICAL  # environment over file
    assert config.backend == "docker"  # option over environment
    assert config.owner_role == "postgres"  # default
    assert config.sources == {
        "tenant_column": str(tmp_path / "pyproject.toml"),
        "fail_on": "environment",
        "backend": "option",
    }


def test_paths_in_the_file_are_relative_to_the_file(tmp_path):
    write(tmp_path, '[tool.rls-audit]\noutput = "out"\nschema = "db"\n')
    config = resolve({}, environ={}, cwd=tmp_path)
    assert config.output == tmp_path / "out"
    assert config.schema == tmp_path / "db"


def test_explicit_config_file_may_be_a_plain_toml_table(tmp_path):
    path = tmp_path / "audit.toml"
    path.write_text('tenant_column = "account_id"\nformats = ["json"]\n')
    config = resolve({}, environ={}, config_file=path)
    assert config.tenant_column == "account_id"
    assert config.formats == ("json",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.rls-audit\n", "is not valid TOML"),
        ('[tool.rls-audit]\ncolour = "red"\n', "unknown setting 'colour'"),
        ('[tool.rls-audit]\nfail-on = "severe"\n', "unknown severity 'severe'"),
        ('[tool.rls-audit]\nbackend = "kubernetes"\n', "unknown backend 'kubernetes'"),
        ('[tool.rls-audit]\nformats = "json,pdf"\n', "unknown format 'pdf'"),
    ],
)
def test_malformed_configuration_is_one_clear_error(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        resolve({}, environ={}, cwd=tmp_path)


def test_missing_explicit_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve({}, environ={}, config_file=tmp_path / "nope.toml")
