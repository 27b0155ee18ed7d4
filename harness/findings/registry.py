"""All checks, by stage, looked up by id or name; ids and names are unique."""

from __future__ import annotations

from collections.abc import Iterable

from .check import Check


def all_checks() -> list[type[Check]]:
    """Every built-in check, imported lazily from each stage package."""
    from ..lint import get_lint_rules
    from ..plans import get_plan_checks
    from ..probes import get_probes
    from ..rules import get_rules
    from .suppressions import SuppressionExpired, SuppressionUnused

    checks: list[type[Check]] = [
        *get_rules(),
        SuppressionExpired,
        SuppressionUnused,
        *get_probes(),
        *get_plan_checks(),
        *get_lint_rules(),
    ]
    _assert_unique(checks)
    return sorted(checks, key=lambda c: c.id)


def _assert_unique(checks: Iterable[type[Check]]) -> None:
    seen: dict[str, str] = {}
    for check in checks:
        for key in (check.id, check.name, *check.aliases):
            if key in seen:
                raise RuntimeError(f"duplicate check id or name {key!r} ({seen[key]}, {check.id})")
            seen[key] = check.id


def lookup(key: str) -> type[Check] | None:
    """A check by id (`RLS001`, any case) or kebab-case name or alias."""
    wanted = key.strip()
    for check in all_checks():
        if wanted.upper() == check.id or wanted.lower() in (check.name, *check.aliases):
            return check
    return None
