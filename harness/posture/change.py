"""One classified change between two postures, and what classifiers know about both sides.

Four classes, worst first. `dangerous`: isolation may be weaker (RLS off, FORCE dropped,
a permissive policy or a wider predicate, more roles, a grant to an API role, a SECURITY
DEFINER function exposed). `breaking`: access or shape clients rely on is gone.
`needs review`: it matters for isolation but the catalog alone cannot say which way.
`safe`: it can only keep or tighten isolation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .model import Posture, Record


class ChangeClass(enum.Enum):
    SAFE = "safe"
    REVIEW = "needs review"
    BREAKING = "breaking"
    DANGEROUS = "dangerous"

    @property
    def rank(self) -> int:
        return list(ChangeClass).index(self)

    @classmethod
    def parse(cls, value: str) -> ChangeClass:
        text = value.strip().lower().replace("-", " ").replace("_", " ")
        if text == "review":
            text = "needs review"
        for c in cls:
            if c.value == text:
                return c
        names = ", ".join(c.value.replace(" ", "-") for c in cls)
        raise ValueError(f"unknown change class {value!r} (choose one of {names})")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    """table, column, policy, grant, function, role or constraint."""
    object: str
    action: str
    """added, removed or changed."""
    klass: ChangeClass
    why: str
    """One line: what changed and what it means for isolation."""
    before: Any = None
    after: Any = None

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-self.klass.rank, self.kind, self.object, self.why)

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.klass.value,
            "kind": self.kind,
            "object": self.object,
            "action": self.action,
            "why": self.why,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class DiffContext:
    """Both sides, with the questions every classifier asks of them."""

    base: Posture
    head: Posture

    @property
    def api_roles(self) -> frozenset[str]:
        return frozenset(self.base.api_roles) | frozenset(self.head.api_roles)

    @property
    def tenant_column(self) -> str:
        return self.head.tenant_column

    def is_api(self, role: str) -> bool:
        """An API role, or PUBLIC (which every API role is a member of)."""
        return role in self.api_roles or role.lower() == "public"

    def new_table(self, name: str) -> bool:
        return name not in self.base.tables and name in self.head.tables

    def gone_table(self, name: str) -> bool:
        return name in self.base.tables and name not in self.head.tables

    def head_table(self, name: str) -> Record | None:
        return self.head.tables.get(name)

    def protected(self, name: str) -> bool:
        """A tenant table of head with RLS enabled and forced."""
        t = self.head.tables.get(name)
        return bool(t and t.get("tenant_column") and t["rls_enabled"] and t["rls_forced"])

    def head_policies(self, table: str) -> list[Record]:
        return [p for p in self.head.policies.values() if p["table"] == table]


def short(text: Any, limit: int = 70) -> str:
    """An expression or value cut to fit a one-line explanation."""
    value = "none" if text is None else " ".join(str(text).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
