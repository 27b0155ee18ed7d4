"""Shared test setup; the PostgreSQL fixtures come from the rls-audit pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SPEC009_AS_WRITTEN = ROOT / "tests" / "schemas" / "spec009_as_written"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
