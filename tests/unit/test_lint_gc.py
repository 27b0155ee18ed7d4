"""The lint relaxes the garbage collector's first threshold while it runs, and only then."""

from __future__ import annotations

import gc

import pytest

from harness.lint import gctune
from harness.lint.engine import Linter
from harness.lint.tenants import TenantTable, TenantTables


def test_threshold_is_relaxed_inside_and_restored_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), gctune.relaxed_gc():
        assert gc.get_threshold()[0] == gctune.YOUNG
        raise RuntimeError
    assert gc.get_threshold() == before


def test_lint_restores_the_threshold_and_leaves_a_disabled_collector_alone(monkeypatch):
    seen = []
    real = Linter._lint_file

    def spy(self, path, sources):
        seen.append(gc.get_threshold()[0])
        return real(self, path, sources)

    monkeypatch.setattr(Linter, "_lint_file", spy)
    tenants = TenantTables(tables=(TenantTable("public", "notes", "tenant_id"),))
    before = gc.get_threshold()
    Linter(tenants).lint_text("SELECT * FROM notes WHERE id = $1;\n")
    assert seen == [gctune.YOUNG] and gc.get_threshold() == before
    gc.set_threshold(0)
    try:
        Linter(tenants).lint_text("SELECT 1;\n")
        assert seen[-1] == 0
    finally:
        gc.set_threshold(*before)
