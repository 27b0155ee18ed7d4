"""RLS100: what the probes could not cover is inconclusive, never a pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from ..catalog import Catalog
from ..findings.model import Category, Evidence, Finding, ObjectRef, Outcome, Severity
from ._base import ProbeCheck
from .context import ProbeContext, obj


class ProbeCoverage(ProbeCheck):
    """A table or role the probes could not exercise.

    Why it matters:
    A probe that cannot run proves nothing. When the harness cannot generate rows for a
    table (a constraint it cannot satisfy, a type it cannot produce), or cannot act as an
    API role (missing, not reachable with SET ROLE, or bypassing row level security), the
    isolation of those objects is unproven and is reported as inconclusive.

    Anti-pattern:
    -- the API role bypasses RLS: no probe as it can show isolation
    ALTER ROLE authenticated BYPASSRLS;

    Best practice:
    ALTER ROLE authenticated NOBYPASSRLS;
    GRANT authenticated TO postgres;  -- the auditing login can SET ROLE to it
    """

    id = "RLS100"
    name = "probe-coverage"
    severity = Severity.MEDIUM
    category = Category.HYGIENE

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        for table, reason in sorted(ctx.world.skipped.items()):
            message = f"probes could not populate {table}: {reason}"
            if table in ctx.world.faulted:  # another session kept the population out
                message = reason
            yield self.finding(
                obj(ctx.scope.tables[table].table),
                message,
                evidence=Evidence(observed=reason, details={"table": table}),
                remediation="Relax or document the constraint, or seed this table by hand.",
                discriminator="populate",
                outcome=Outcome.INCONCLUSIVE,
            )

    @classmethod
    def usable_roles(
        cls, conn: psycopg.Connection[Any], catalog: Catalog, roles: tuple[str, ...]
    ) -> tuple[list[str], list[Finding]]:
        """The API roles the probes can act as, and an inconclusive finding for each other."""
        ok: list[str] = []
        refused: list[Finding] = []
        known = {r.name: r for r in catalog.roles}
        for role in roles:
            found = known.get(role)
            reason = None
            if found is None:
                reason = f"role {role} does not exist"
            elif found.superuser or found.bypassrls:
                reason = f"role {role} bypasses row level security: probing as it proves nothing"
            else:
                try:
                    with conn.transaction(force_rollback=True):
                        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                except psycopg.Error as exc:
                    reason = f"cannot SET ROLE {role}: {str(exc).strip().splitlines()[0]}"
            if reason is None:
                ok.append(role)
                continue
            refused.append(
                cls.finding(
                    ObjectRef("role", None, role),
                    f"probes cannot act as {role}: {reason}",
                    evidence=Evidence(actor=role, observed=reason),
                    remediation=f"Grant {role} to the auditing login; {role} must not bypass RLS.",
                    discriminator="role",
                    outcome=Outcome.INCONCLUSIVE,
                )
            )
        return ok, refused
