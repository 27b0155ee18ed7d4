"""RLS304: a suppression that is malformed, gives no reason, or covers nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Location, ObjectRef, Severity
from .suppress import Suppression


@dataclass(frozen=True, slots=True)
class SuppressionReport:
    """The suppressions of one file, with those that covered a finding."""

    path: str
    suppressions: tuple[Suppression, ...]
    used: frozenset[int]
    """Indexes into `suppressions`."""


class InvalidSuppression(Check):
    """Suppression without a reason, with an unknown rule, or unused.

    Why it matters:
        A suppression is a reviewed exception. Without a reason nobody can review it; one
        that names no known rule or covers no finding any more (the query was fixed or
        moved) silently widens what is ignored the next time the statement changes.

    Anti-pattern:
        -- rls-audit: ignore[RLS301]
        SELECT count(*) FROM students WHERE tenant_id = $1;

    Best practice:
        -- rls-audit: ignore[RLS301] platform-wide report, runs as service_role only
        SELECT count(*) FROM students;

    References:
        https://squawkhq.com/docs/ignoring-statements
        https://docs.astral.sh/ruff/linter/#error-suppression
    """

    id = "RLS304"
    name = "invalid-suppression"
    severity = Severity.LOW
    category = Category.HYGIENE
    references = (
        "https://squawkhq.com/docs/ignoring-statements",
        "https://docs.astral.sh/ruff/linter/#error-suppression",
    )

    def check(self, ctx: SuppressionReport) -> Iterator[Finding]:
        seen: dict[str, int] = {}
        for i, sup in enumerate(ctx.suppressions):
            if sup.problem is None and i in ctx.used:
                continue
            problem = sup.problem or f"unused suppression of {', '.join(sup.rules)}: no finding"
            identity = f"{problem}\x1f{','.join(sup.rules)}\x1f{sup.reason}"
            seen[identity] = seen.get(identity, -1) + 1  # same text twice: two findings
            yield self.finding(
                ObjectRef("suppression", None, ctx.path),
                problem,
                evidence=Evidence(observed=problem),
                remediation="Give a reason, name a lint rule, or delete the suppression.",
                location=Location(ctx.path, sup.line, sup.column),
                discriminator=f"{identity}\x1f{seen[identity]}",
            )
