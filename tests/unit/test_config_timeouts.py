"""The audit's session timeouts: one setting each, from option, environment or file."""

from __future__ import annotations

import pytest

from harness.config import AuditConfig, duration_ms, resolve
from harness.db import Timeouts
from harness.errors import ConfigError


def test_defaults_match_the_sessions_defaults():
    assert AuditConfig().timeouts == Timeouts()


@pytest.mark.parametrize(
    ("value", "ms"),
    [(250, 250), ("250", 250), ("500ms", 500), ("5s", 5000), ("2 min", 120_000),
     ("1h", 3_600_000), ("0", 0), ("7S", 7000)],
)  # fmt: skip
def test_durations_read_like_postgresql(value, ms):
    assert duration_ms(value) == ms


@pytest.mark.parametrize("value", ["abc", "5 parsecs", "-1", "1.5s", True, "99999h"])
def test_a_bad_duration_is_one_clear_error(value):
    with pytest.raises(ConfigError) as err:
        resolve({"lock_timeout": value}, environ={})
    assert str(err.value).startswith("option: lock_timeout: ") and "\n" not in str(err.value)


def test_a_bad_duration_in_the_environment_names_it():
    with pytest.raises(ConfigError, match=r"^environment: idle_timeout: expected a duration"):
        resolve(environ={"RLS_AUDIT_IDLE_TIMEOUT": "soon"})


def test_option_beats_environment_beats_file(tmp_path):
    config_file = tmp_path / "rls.toml"
    config_file.write_text(
        'statement-timeout = "9s"\nlock-timeout = 300\nidle-timeout = "2min"\n', "utf-8"
    )
    config = resolve(
        {"statement_timeout": "750ms"},
        environ={"RLS_AUDIT_LOCK_TIMEOUT": "2s"},
        config_file=config_file,
    )
    assert config.timeouts == Timeouts(statement_ms=750, lock_ms=2000, idle_ms=120_000)
    assert config.sources["statement_timeout"] == "option"
    assert config.sources["lock_timeout"] == "environment"
    assert config.sources["idle_timeout"] == str(config_file)
