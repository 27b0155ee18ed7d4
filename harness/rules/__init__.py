"""Static rules: what the catalog alone reveals. The list is explicit and imported lazily."""

from __future__ import annotations

from ..findings.check import Check


def get_rules() -> list[type[Check]]:
    return []
