"""RLS205: row security keeps a query's own condition out of the index."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.check import Check
from ..findings.model import Category, Finding, Remediation, Severity
from ._analysis import mentions, representative, table_scans
from ._evidence import plan_evidence, table_ref
from .model import PlanContext, PlanRecord
from .tree import PlanNode


def conjuncts(condition: str | None) -> set[str]:
    """Top-level AND terms of an EXPLAIN condition, `((a = 1) AND (b = 2))` -> both."""
    if not condition:
        return set()
    text = condition.strip()
    while text.startswith("(") and _closing(text, 0) == len(text) - 1:
        inner = text[1:-1].strip()
        if " AND " not in _top_level(inner):
            break
        text = inner
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and text.startswith(" AND ", i):
            parts.append(text[start:i])
            start = i + 5
    parts.append(text[start:])
    return {p.strip() for p in parts if p.strip()}


def _closing(text: str, opening: int) -> int:
    depth = 0
    for i in range(opening, len(text)):
        depth += text[i] == "("
        depth -= text[i] == ")"
        if depth == 0:
            return i
    return -1


def _top_level(text: str) -> str:
    """The text with every parenthesised part blanked out."""
    out, depth = [], 0
    for char in text:
        depth += char == "("
        out.append(char if depth == 0 else " ")
        depth -= char == ")"
    return "".join(out)


def index_terms(scans: list[PlanNode], column: str) -> set[str]:
    """Index Cond terms of the scans that do not involve the tenant column."""
    terms: set[str] = set()
    for scan in scans:
        nodes = scan.bitmap_index_scans() if scan.node_type == "Bitmap Heap Scan" else [scan]
        for node in nodes:
            terms |= {t for t in conjuncts(node.index_cond) if not mentions(t, column)}
    return terms


class QualDemotedByRls(Check):
    """Row security keeps a query's own condition out of the index it would use.

    Why it matters:
    A policy's condition must be checked before any user-supplied condition that could
    leak the rows it hides, so PostgreSQL only lets a query's condition into an index scan
    ahead of the policy when its operator or function is LEAKPROOF. A condition such as
    lower(email) = $1 then runs as a per-row Filter after the tenant restriction, while the
    same query run by the owner with an explicit tenant WHERE uses the expression index.
    The check compares the two plans.

    Anti-pattern:
        CREATE INDEX ON public.users (tenant_id, lower(email));
        SELECT * FROM public.users WHERE lower(email) = 'a@b.c';  -- as the tenant
        -- Index Cond: (tenant_id = $0)  Filter: (lower(email) = 'a@b.c')

    Best practice:
        -- Store the normalised value and compare it with a LEAKPROOF operator:
        ALTER TABLE public.users ADD COLUMN email_lower text
          GENERATED ALWAYS AS (lower(email)) STORED;
        CREATE INDEX ON public.users (tenant_id, email_lower);

    References:
        https://www.postgresql.org/docs/current/ddl-rowsecurity.html
        https://www.postgresql.org/docs/current/sql-createfunction.html (LEAKPROOF)
    """

    id = "RLS205"
    name = "qual-demoted-by-rls"
    severity = Severity.LOW
    category = Category.PERFORMANCE
    applies_to = ("table",)

    def check(self, ctx: PlanContext) -> Iterator[Finding]:
        column = ctx.settings.tenant_column
        for table, records in ctx.by_table().items():
            hits = [
                (r, lost)
                for r in records
                if ctx.judged(r) and r.baseline_json is not None
                for lost in [self._lost(r, ctx, column)]
                if lost
            ]
            if not hits:
                continue
            record = representative([r for r, _ in hits])
            lost = sorted({t for _, terms in hits for t in terms})
            yield self.finding(
                table_ref(table),
                f"{table}: under row security {', '.join(lost)} is evaluated as a Filter "
                "instead of an index condition",
                evidence=plan_evidence(
                    record,
                    ctx,
                    observed=f"Index Cond without {', '.join(lost)}",
                    expected="the same Index Cond as the owner's plan with an explicit "
                    "tenant WHERE",
                    baseline_plan=record.baseline_json,
                    demoted=lost,
                ),
                remediation=Remediation(
                    "Compare with LEAKPROOF operators only (store normalised values in a "
                    "generated column), or mark the function LEAKPROOF if it provably "
                    "cannot reveal its arguments."
                ),
                discriminator=record.sql if record.query == "app" else "",
            )

    @staticmethod
    def _lost(record: PlanRecord, ctx: PlanContext, column: str) -> set[str]:
        baseline = record.baseline
        if baseline is None:
            return set()
        under_rls = table_scans(record, ctx.catalog)
        names = {s.relation for s in under_rls} | {record.relation}
        owner = [n for n in baseline.walk() if n.is_scan and n.relation in names]
        lost = index_terms(owner, column) - index_terms(under_rls, column)
        filters = " ".join(s.filter or "" for s in under_rls)
        return {t for t in lost if t in filters}
