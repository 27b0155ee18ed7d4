"""The base every rule, probe, plan check and lint rule derives from.

Metadata lives on the class (id, name, severity, ...), documentation in the docstring,
whose sections are checked when the class is defined so docs and code cannot drift.
A check is a generator of findings: it never opens a connection and never prints.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .fingerprint import fingerprint
from .model import (
    Category,
    Evidence,
    Finding,
    Location,
    ObjectRef,
    Outcome,
    Remediation,
    Severity,
    Stage,
)

ID_PATTERN = re.compile(r"^RLS[0-3]\d\d$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SECTIONS = ("Why it matters", "Anti-pattern", "Best practice")
STAGE_BY_HUNDRED = {"0": Stage.STATIC, "1": Stage.PROBE, "2": Stage.PLAN, "3": Stage.LINT}


@dataclass(frozen=True, slots=True)
class CheckDoc:
    title: str
    sections: dict[str, str]

    def section(self, name: str) -> str:
        return self.sections.get(name, "")


def parse_doc(doc: str) -> CheckDoc:
    """Split a check docstring into its title and `Heading:` sections."""
    text = inspect.cleandoc(doc)
    title, _, rest = text.partition("\n")
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for raw in rest.splitlines():
        heading = raw.rstrip(":").strip()
        if raw.endswith(":") and not raw.startswith(" ") and heading:
            if current is not None:
                sections[current] = inspect.cleandoc("\n".join(lines))
            current, lines = heading, []
        else:
            lines.append(raw)
    if current is not None:
        sections[current] = inspect.cleandoc("\n".join(lines))
    return CheckDoc(title=title.strip().rstrip("."), sections=sections)


class Check:
    """Base class; subclasses set the metadata and implement `check`."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    category: ClassVar[Category]
    stage: ClassVar[Stage]
    applies_to: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()
    aliases: ClassVar[tuple[str, ...]] = ()
    since: ClassVar[str] = "0.1.0"
    doc: ClassVar[CheckDoc]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or cls.__dict__.get("abstract", False):
            return
        for attr in ("id", "name", "severity", "category"):
            if not hasattr(cls, attr):
                raise TypeError(f"{cls.__name__} lacks the class attribute {attr!r}")
        if not ID_PATTERN.match(cls.id):
            raise TypeError(f"{cls.__name__}: id {cls.id!r} does not match RLS[0-3]NN")
        if not NAME_PATTERN.match(cls.name):
            raise TypeError(f"{cls.__name__}: name {cls.name!r} is not kebab-case")
        if "stage" not in cls.__dict__:
            cls.stage = STAGE_BY_HUNDRED[cls.id[3]]
        if not cls.__doc__:
            raise TypeError(f"{cls.__name__} ({cls.id}) has no docstring")
        cls.doc = parse_doc(cls.__doc__)
        missing = [s for s in SECTIONS if not cls.doc.sections.get(s)]
        if missing:
            raise TypeError(f"{cls.id}: docstring lacks the section(s) {', '.join(missing)}")

    @property
    def title(self) -> str:
        return self.doc.title

    def check(self, ctx: Any) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def finding(
        cls,
        obj: ObjectRef,
        message: str,
        *,
        evidence: Evidence | None = None,
        remediation: Remediation | str | None = None,
        location: Location | None = None,
        discriminator: str = "",
        outcome: Outcome = Outcome.FAILED,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this check, with id, severity and fingerprint filled in."""
        if isinstance(remediation, str):
            remediation = Remediation(remediation)
        return Finding(
            rule=cls.id,
            name=cls.name,
            severity=severity or cls.severity,
            category=cls.category,
            object=obj,
            message=message,
            evidence=evidence or Evidence(),
            remediation=remediation or Remediation(""),
            fingerprint=fingerprint(cls.id, obj, discriminator),
            location=location,
            outcome=outcome,
            stage=cls.stage,
        )


@dataclass
class CheckError:
    """A check that crashed: reported as inconclusive, never silently dropped."""

    check_id: str
    error: str
    extra: dict[str, Any] = field(default_factory=dict)
