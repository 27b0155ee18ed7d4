"""One finding shape for every stage, so every reporter and the gate treat them alike."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Severity(enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for thresholds and sorting."""
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (choose one of {names})") from None

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Category(enum.Enum):
    ISOLATION = "isolation"
    INTEGRITY = "integrity"
    DISCLOSURE = "disclosure"
    PERFORMANCE = "performance"
    HYGIENE = "hygiene"
    QUERY = "query"


class Stage(enum.Enum):
    STATIC = "static"
    PROBE = "probe"
    PLAN = "plan"
    LINT = "lint"


class Outcome(enum.Enum):
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    """The check could not run or decide: never a pass."""


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    kind: str
    """table, view, materialized view, function, role, policy, index, query, database, ..."""
    schema: str | None
    name: str
    signature: str | None = None
    """Argument types of a function, `(uuid)`; a policy's table; None otherwise."""

    def __str__(self) -> str:
        base = f"{self.schema}.{self.name}" if self.schema else self.name
        if self.kind == "function":
            return f"{base}{self.signature or '()'}"
        if self.kind == "policy" and self.signature:
            return f"{self.name} on {self.signature}"
        return base

    @classmethod
    def parse(cls, text: str, kind: str = "table") -> ObjectRef:
        """`public.users`, `public.fn(uuid)`; a bare name has no schema."""
        signature = None
        if "(" in text and text.endswith(")"):
            text, signature = text[: text.index("(")], text[text.index("(") :]
            kind = "function"
        schema, _, name = text.rpartition(".")
        return cls(kind=kind, schema=schema or None, name=name, signature=signature)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What proves the finding: enough for a reviewer to see it and run it again."""

    sql: str | None = None
    actor: str | None = None
    tenant: str | None = None
    expected: str | None = None
    observed: str | None = None
    plan: Any = None
    reproducer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v not in (None, {}, "")}
        return out


@dataclass(frozen=True, slots=True)
class Remediation:
    text: str
    fix_sql: str | None = None
    applicability: Applicability = Applicability.DISPLAY_ONLY

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "applicability": self.applicability.value}
        if self.fix_sql:
            out["fix_sql"] = self.fix_sql
        return out


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    category: Category
    object: ObjectRef
    message: str
    evidence: Evidence
    remediation: Remediation
    fingerprint: str
    location: Location | None = None
    outcome: Outcome = Outcome.FAILED
    stage: Stage = Stage.STATIC
    suppressed: str | None = None
    """The reason, when a suppression or baseline covers this finding; it stays reported."""

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-self.severity.rank, self.rule, str(self.object), self.fingerprint)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: field names here are public and stable."""
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "category": self.category.value,
            "stage": self.stage.value,
            "object": str(self.object),
            "object_kind": self.object.kind,
            "message": self.message,
            "evidence": self.evidence.to_dict(),
            "remediation": self.remediation.to_dict(),
            "location": None
            if self.location is None
            else {
                "path": self.location.path,
                "line": self.location.line,
                "column": self.location.column,
            },
            "fingerprint": self.fingerprint,
            "outcome": self.outcome.value,
            "suppressed": self.suppressed,
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)
