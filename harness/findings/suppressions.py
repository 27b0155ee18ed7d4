"""Suppressions from configuration: findings a team accepted, with a reason and a deadline.

Each `[[tool.rls-audit.suppress]]` entry names a rule (id or kebab-case name) and an
object (`public.audit_logs`, or a glob such as `public.*`), says why, and may say until
when. A suppressed finding stays in every report, marked with the reason (ruff, semgrep);
an expired suppression stops suppressing and fails the gate itself, so an exception
granted "until the migration lands" cannot quietly become permanent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .check import Check
from .model import Category, Finding, ObjectRef, Severity, Stage

KEYS = frozenset({"rule", "object", "reason", "expires"})


@dataclass(frozen=True, slots=True)
class Suppression:
    rule: str
    """A rule id (`RLS003`) or name (`rls-not-forced`); `*` for every rule."""
    object: str
    """The finding's object as reports show it, or a glob of it (`public.*`)."""
    reason: str
    expires: dt.date | None = None

    def matches(self, finding: Finding) -> bool:
        rule = self.rule.strip()
        if rule != "*" and rule.upper() != finding.rule and rule.lower() != finding.name:
            return False
        return fnmatchcase(str(finding.object), self.object)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    @property
    def label(self) -> str:
        """`RLS003 on public.audit_logs`, how messages name this entry."""
        return f"{self.rule} on {self.object}"

    def note(self) -> str:
        """What a suppressed finding carries in its `suppressed` field."""
        until = f" (until {self.expires.isoformat()})" if self.expires else ""
        return f"{self.reason}{until}"


def parse_suppressions(value: Any) -> tuple[Suppression, ...]:
    """Entries of `[[tool.rls-audit.suppress]]`; ValueError names the bad entry and key."""
    if isinstance(value, Suppression):
        return (value,)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list of [[tool.rls-audit.suppress]] tables")
    return tuple(_entry(i, item) for i, item in enumerate(value, 1))


def _entry(index: int, item: Any) -> Suppression:
    if isinstance(item, Suppression):
        return item
    where = f"entry {index}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a table with rule, object and reason")
    unknown = sorted(set(item) - KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    for key in ("rule", "object", "reason"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ValueError(f"{where}: {key!r} is required and must be a non-empty string")
    return Suppression(
        rule=item["rule"].strip(),
        object=item["object"].strip(),
        reason=item["reason"].strip(),
        expires=_date(where, item.get("expires")),
    )


def _date(where: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: expires {value!r} is not a date (YYYY-MM-DD)") from None


class SuppressionExpired(Check):
    """A suppression in the configuration has expired.

    Why it matters:
        A suppression is an exception granted for a while, with a reason. Past its date
        it no longer hides the findings it covered, and the run fails until someone
        fixes the finding or renews the exception on purpose.

    Anti-pattern:
        [[tool.rls-audit.suppress]]
        rule = "RLS003"
        object = "public.audit_logs"
        reason = "owner needs to write audit rows until the trigger lands"
        expires = 2024-01-31

    Best practice:
        Fix the finding and delete the entry, or set a new `expires` with a new reason.
    """

    id = "RLS090"
    name = "suppression-expired"
    severity = Severity.HIGH
    category = Category.HYGIENE
    stage = Stage.STATIC

    def check(self, ctx: Any) -> Iterator[Finding]:
        return iter(())  # produced by the gate (baseline.apply_gate), not from the catalog


class SuppressionUnused(Check):
    """A suppression in the configuration matches no finding.

    Why it matters:
        A stale entry hides nothing today but would silently hide a future finding of
        the same rule on the same object. Delete what is no longer needed.

    Anti-pattern:
        [[tool.rls-audit.suppress]]
        rule = "RLS001"
        object = "public.dropped_table"
        reason = "legacy table"

    Best practice:
        Keep only entries that still match a finding.
    """

    id = "RLS091"
    name = "suppression-unused"
    severity = Severity.INFO
    category = Category.HYGIENE
    stage = Stage.STATIC

    def check(self, ctx: Any) -> Iterator[Finding]:
        return iter(())


GATE_RULES = frozenset({SuppressionExpired.id, SuppressionUnused.id})
"""Findings about the gate's own configuration: never suppressed, never baselined."""


def expired_finding(s: Suppression, covered: list[Finding], fail_on: Severity) -> Finding:
    """Fails the gate: its severity is the threshold's, or the worst finding it covered."""
    worst = max([fail_on, *(f.severity for f in covered)], key=lambda sev: sev.rank)
    assert s.expires is not None
    return SuppressionExpired.finding(
        _ref(s),
        f"the suppression of {s.label} expired on {s.expires.isoformat()} "
        f"and no longer hides {len(covered)} finding(s) (reason given: {s.reason})",
        remediation="Fix the finding and delete the entry, or renew it with a new date.",
        severity=worst,
    )


def unused_finding(s: Suppression) -> Finding:
    return SuppressionUnused.finding(
        _ref(s),
        f"the suppression of {s.label} matches no finding",
        remediation="Delete the [[tool.rls-audit.suppress]] entry.",
    )


def _ref(s: Suppression) -> ObjectRef:
    return ObjectRef(kind="suppression", schema=None, name=s.label)
