"""Compare two postures: every change, classified and explained in one line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .access import function_changes, grant_changes, role_changes
from .change import Change, ChangeClass, DiffContext
from .model import Posture
from .policies import policy_changes
from .tables import constraint_changes, table_changes

CLASSIFIERS = (
    table_changes,
    policy_changes,
    grant_changes,
    function_changes,
    role_changes,
    constraint_changes,
)


@dataclass(frozen=True)
class PostureDiff:
    base: Posture
    head: Posture
    changes: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        out = {c.value: 0 for c in sorted(ChangeClass, key=lambda c: -c.rank)}
        for change in self.changes:
            out[change.klass.value] += 1
        return out

    def worst(self) -> ChangeClass | None:
        return max((c.klass for c in self.changes), key=lambda k: k.rank, default=None)

    def at_least(self, threshold: ChangeClass) -> list[Change]:
        return [c for c in self.changes if c.klass.rank >= threshold.rank]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rls-audit-posture-diff",
            "base": self.base.source,
            "head": self.head.source,
            "summary": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }


def diff(base: Posture, head: Posture) -> PostureDiff:
    ctx = DiffContext(base, head)
    changes = [change for classify in CLASSIFIERS for change in classify(ctx)]
    return PostureDiff(base, head, tuple(sorted(changes, key=Change.sort_key)))
