from __future__ import annotations

import pytest

from harness.cli import main

pytestmark = pytest.mark.integration


def test_doctor_lists_backends_and_checks_a_server(capsys):
    assert main(["doctor", "--backend", "embedded"]) == 0
    out = capsys.readouterr().out
    assert "local:" in out and "embedded:" in out and "docker:" in out
    assert "server: embedded PostgreSQL 18" in out
    assert "extension pgcrypto: not available on this server" in out


def test_doctor_on_an_unreachable_server_exits_2(capsys):
    assert main(["doctor", "--dsn", "postgresql://nobody@127.0.0.1:1/x"]) == 2
    assert "cannot connect to" in capsys.readouterr().out
