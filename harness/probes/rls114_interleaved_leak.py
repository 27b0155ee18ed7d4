"""RLS114: a sequence of several tenants' operations breaks isolation."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from ..findings.model import Evidence, Finding
from ._base import ProbeCheck, exposed_tables
from .context import ProbeContext, obj
from .machine import Tally, explorable, explore
from .scope import TableScope


@dataclass(frozen=True, slots=True)
class Budget:
    """How much the state machine may try: fixed, so a run is fast and repeatable."""

    tables: int | None
    """Tables explored (a seeded sample when there are more); None: every one."""
    examples: int
    steps: int
    tenants: int
    roles: int


BUDGETS = {
    "quick": Budget(tables=8, examples=5, steps=5, tenants=3, roles=1),
    "deep": Budget(tables=None, examples=20, steps=10, tenants=4, roles=1),
}


class InterleavedLeak(ProbeCheck):
    """A sequence of several tenants' reads and writes breaks isolation.

    Why it matters:
    Each single-statement probe starts from a clean state. Some leaks need a history;
    tenant A moves a row, then tenant B reads it; A updates a row so that B's policy
    matches it; A deletes, then a row of B takes its place. A Hypothesis state machine
    interleaves the tenants' SELECT, UPDATE (in place and of the tenant key) and DELETE
    on a table, checks every answer against a model of which tenant owns which row, and
    shrinks a violation to the shortest sequence, given as plain SQL for psql. The budget
    is fixed (derandomized, bounded sequences and steps) and everything is rolled back.

    Anti-pattern:
    -- the update policy checks the old row only: a tenant hands its row to another
    CREATE POLICY tenant_update ON documents FOR UPDATE TO authenticated
      USING (tenant_id = (SELECT get_current_tenant_id()));

    Best practice:
    CREATE POLICY tenant_update ON documents FOR UPDATE TO authenticated
      USING (tenant_id = (SELECT get_current_tenant_id()))
      WITH CHECK (tenant_id = (SELECT get_current_tenant_id()));
    """

    id = "RLS114"
    name = "interleaved-leak"

    def __init__(self) -> None:
        self.tried = Tally()
        """What the run tried (tables, sequences, steps), for the stage's statistics."""
        self.seconds = 0.0

    def run(self, ctx: ProbeContext) -> Iterator[Finding]:
        budget = BUDGETS.get(ctx.config.profile, BUDGETS["quick"])
        started = time.perf_counter()
        for role in ctx.config.roles[: budget.roles]:
            for ts in sample(ctx, role, budget, ctx.config.seed):
                if not ctx.reachable(ts.name):  # locked by another session: charged there
                    continue
                found = explore(
                    ctx,
                    ts,
                    role,
                    tenants=budget.tenants,
                    examples=budget.examples,
                    steps=budget.steps,
                    tally=self.tried,
                    seed=ctx.config.seed,
                )
                if found is None:
                    continue
                victim = found.message.rsplit(" of ", 1)[-1].split(" ")[0]
                last = found.steps[-1] if found.steps else ""
                yield self.finding(
                    obj(ts.table),
                    f"{role}: {found.message}, after a sequence of {len(found.steps)} statement(s)",
                    evidence=Evidence(
                        sql=last,
                        actor=role,
                        expected="every tenant reads and changes only its own rows",
                        observed=found.message,
                        reproducer=found.reproducer,
                        details={
                            "steps": list(found.steps),
                            "victim": victim,
                            "budget": {
                                "examples": budget.examples,
                                "steps": budget.steps,
                                "tenants": budget.tenants,
                            },
                        },
                    ),
                    remediation=(
                        f"Give every policy of {ts.name} for {role} a tenant USING clause "
                        "and the same WITH CHECK, so that no statement reads or moves "
                        "another tenant's rows."
                    ),
                    discriminator=role,
                )
        self.seconds = time.perf_counter() - started

    def summary(self) -> dict[str, object]:
        """What was tried: the passing run's evidence."""
        return {
            "tables": len(set(self.tried.tables)),
            "sequences": self.tried.sequences,
            "steps": self.tried.steps,
            "seconds": round(self.seconds, 3),
        }


def sample(ctx: ProbeContext, role: str, budget: Budget, seed: int) -> list[TableScope]:
    """The tenant tables the role can touch, a seeded sample of them beyond the budget."""
    tables = [
        ts
        for ts in exposed_tables(ctx)
        if explorable(ctx, ts, budget.tenants)
        and ctx.privileges(role, ts.table) & {"SELECT", "UPDATE", "DELETE"}
    ]
    if budget.tables is None or len(tables) <= budget.tables:
        return tables
    picked = set(random.Random(seed).sample(range(len(tables)), budget.tables))
    return [ts for i, ts in enumerate(tables) if i in picked]
