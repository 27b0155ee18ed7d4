"""Which checks support which control a reviewer cites, and what they found.

The mapping is by finding category, refined per rule: a rule may name its controls in a
`controls` class attribute, or be listed in RULE_CONTROLS. A control no check of this run
supports is "not assessed", never "no exceptions".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..findings.check import Check
from ..findings.model import Category, Finding, Stage

if TYPE_CHECKING:
    from ..audit import AuditResult


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    framework: str
    title: str
    requirement: str
    """The control's own words, shortened."""
    evidence: str
    """What rls-audit demonstrates towards it."""
    categories: frozenset[Category]
    stages: frozenset[Stage] = frozenset(Stage)
    """Stages whose findings bear on it: privileges are a matter of configuration (static)."""


_ACCESS = frozenset({Category.ISOLATION, Category.INTEGRITY, Category.DISCLOSURE, Category.QUERY})
_PRIVILEGE = frozenset({Category.ISOLATION, Category.HYGIENE})
_RECORDS = frozenset({Category.ISOLATION, Category.DISCLOSURE, Category.QUERY})

CONTROLS: tuple[Control, ...] = (
    Control(
        "CC6.1",
        "SOC 2",
        "Logical access security",
        "The entity implements logical access security software, infrastructure and "
        "architectures over protected information assets.",
        "Row-level security is on, forced and has a policy for every command on every tenant "
        "table; tenant A can neither read, change, delete nor reference tenant B's rows.",
        _ACCESS,
    ),
    Control(
        "CC6.3",
        "SOC 2",
        "Role-based access, least privilege",
        "The entity authorizes, modifies or removes access based on roles and "
        "responsibilities, considering least privilege and segregation of duties.",
        "API roles hold only the privileges they need: no TRUNCATE, REFERENCES or TRIGGER, "
        "no BYPASSRLS, EXECUTE only on the functions the API calls.",
        _PRIVILEGE,
        frozenset({Stage.STATIC}),
    ),
    Control(
        "A.5.15",
        "ISO/IEC 27001:2022",
        "Access control",
        "Rules to control physical and logical access to information and other associated "
        "assets shall be established and implemented.",
        "The access rules are written down as policies and grants, and the audit shows "
        "what each API role may do on each relation (the access matrix).",
        _PRIVILEGE | {Category.INTEGRITY},
        frozenset({Stage.STATIC}),
    ),
    Control(
        "A.8.3",
        "ISO/IEC 27001:2022",
        "Information access restriction",
        "Access to information and other associated assets shall be restricted in "
        "accordance with the topic-specific policy on access control.",
        "Each tenant's rows, function results, views and statistics are restricted to that "
        "tenant, checked statically and by probes on generated data.",
        _ACCESS,
    ),
    Control(
        "FERPA 99.31(a)(1)(ii)",
        "FERPA (34 CFR Part 99)",
        "Education records: reasonable methods",
        "An institution must use reasonable methods to ensure that school officials obtain "
        "access only to those education records in which they have legitimate educational "
        "interests (and disclose none without consent, 99.30).",
        "Student, guardian, attendance and grade records of one school (tenant) are not "
        "readable or inferable by another school's users.",
        _RECORDS,
    ),
)

RULE_CONTROLS: dict[str, tuple[str, ...]] = {}
"""Per-rule additions by id, for rules whose category alone maps them too coarsely."""


@dataclass(frozen=True, slots=True)
class ControlStatus:
    control: Control
    checks: tuple[str, ...]
    findings: int
    gating: int

    @property
    def status(self) -> str:
        if not self.checks:
            return "not assessed"
        return "exceptions" if self.findings else "no exceptions noted"


def controls_of(
    rule: str, category: Category, stage: Stage, check: type[Check] | None = None
) -> set[str]:
    ids = {c.id for c in CONTROLS if category in c.categories and stage in c.stages}
    ids.update(RULE_CONTROLS.get(rule, ()))
    declared = getattr(check, "controls", ())
    if isinstance(declared, (tuple, list, set, frozenset)):  # a check's own mapping, if any
        ids.update(declared)
    return ids


def control_statuses(result: AuditResult) -> list[ControlStatus]:
    gating = {f.fingerprint for f in result.gating()}
    checks = {c.id: c for c in result.checks}
    active: list[Finding] = [f for f in result.findings if f.suppressed is None]
    out = []
    for control in CONTROLS:
        mapped = [
            f
            for f in active
            if control.id in controls_of(f.rule, f.category, f.stage, checks.get(f.rule))
        ]
        supporting = {
            c.id for c in result.checks if control.id in controls_of(c.id, c.category, c.stage, c)
        }
        supporting.update(f.rule for f in mapped)
        out.append(
            ControlStatus(
                control,
                tuple(sorted(supporting)),
                len(mapped),
                sum(1 for f in mapped if f.fingerprint in gating),
            )
        )
    return out
