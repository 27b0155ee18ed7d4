"""The compliance report: one self-contained HTML file a security reviewer can sign.

CSS, JavaScript and SVG are inline and a Content-Security-Policy forbids every fetch, so
the file opens offline and leaks nothing. Sections for stages that did not run say so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..findings.model import Category, Finding, Severity, Stage
from . import _summary as summary
from .controls import control_statuses, controls_of
from .inventory import functions, tables
from .json import render as render_json
from .locations import index_schema, resolve
from .matrix import COMMANDS, OUTCOMES, SHORT, access_matrix, api_roles
from .plantree import PlanNode, plan_text, plan_tree

if TYPE_CHECKING:
    from ..audit import AuditResult

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; form-action 'none'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class FindingView:
    f: Finding
    table: str
    location: str | None
    controls: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]
    plan: PlanNode | None
    plan_text: str | None
    marked: tuple[tuple[str, bool], ...] | None
    """Lint findings: the statement cut into (text, is_offending_reference) pieces."""


def _evidence_items(f: Finding) -> tuple[tuple[str, str], ...]:
    ev = f.evidence
    items = [
        ("actor", ev.actor),
        ("tenant", ev.tenant),
        ("expected", ev.expected),
        ("observed", ev.observed),
    ]
    items += [(str(k), _text(v)) for k, v in sorted(ev.details.items()) if k not in _MARK_KEYS]
    return tuple((k, v) for k, v in items if v not in (None, ""))


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_MARK_KEYS = ("span", "reference")


def mark_reference(sql: str, details: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    """Cut `sql` around the offending reference: a `span` [start, end) or a `reference`."""
    spans: list[tuple[int, int]] = []
    span = details.get("span")
    if isinstance(span, list | tuple) and len(span) == 2:
        start, end = int(span[0]), int(span[1])
        if 0 <= start < end <= len(sql):
            spans.append((start, end))
    ref = details.get("reference")
    if not spans and isinstance(ref, str) and ref:
        pattern = re.compile(rf"(?<![\w.]){re.escape(ref)}(?!\w)", re.I)
        spans = [(m.start(), m.end()) for m in pattern.finditer(sql)]
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [(sql[pos:start], False), (sql[start:end], True)]
        pos = end
    pieces.append((sql[pos:], False))
    return tuple(p for p in pieces if p[0])


def _finding_view(f: Finding, result: AuditResult, locations: dict[str, Any]) -> FindingView:
    loc = locations.get(f.fingerprint)
    plan = f.evidence.plan
    tree = plan_tree(plan) if plan is not None else None
    checks = {c.id: c for c in result.checks}
    marked = None
    if f.stage is Stage.LINT and f.evidence.sql:
        marked = mark_reference(f.evidence.sql, f.evidence.details)
    return FindingView(
        f=f,
        table=summary.table_of(f, result),
        location=str(loc) if loc else None,
        controls=tuple(sorted(controls_of(f.rule, f.category, f.stage, checks.get(f.rule)))),
        evidence=_evidence_items(f),
        plan=tree,
        plan_text=plan_text(plan) if plan is not None and tree is None else None,
        marked=marked,
    )


def _posture(result: AuditResult, matrix_counts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(what, bad, out of): the catalog's isolation posture, visible without any rule."""
    if result.catalog is None:
        return []
    tenant = result.catalog.tenant_tables()
    roles = api_roles(result)
    definers = [
        f
        for f in result.catalog.functions
        if f.security_definer and {"PUBLIC", *roles}.intersection(f.executable_by)
    ]
    return [
        (
            "tenant tables without row-level security",
            sum(not t.rls_enabled for t in tenant),
            len(tenant),
        ),
        (
            "tenant tables where RLS is not forced",
            sum(not t.rls_forced for t in tenant),
            len(tenant),
        ),
        (
            "API-callable SECURITY DEFINER functions without a pinned search_path",
            sum(f.search_path is None for f in definers),
            len(definers),
        ),
        (
            "access-matrix cells that reach other tenants' rows",
            matrix_counts.get("exposed", 0),
            sum(matrix_counts.values()),
        ),
    ]


def _banner(result: AuditResult) -> str:
    """The colour of the verdict: a pass with no check run is not shown as a green pass."""
    if summary.incomplete(result):
        return "incomplete"
    if not result.passed:
        return "fail"
    return "pass" if result.checks or result.findings else "unverified"


def context(result: AuditResult) -> dict[str, Any]:
    index = index_schema(result.run.schema)
    locations = resolve(result.findings, index, result.catalog)
    views = [_finding_view(f, result, locations) for f in result.findings]
    per_table: dict[str, int] = {}
    for v in views:
        if v.table and v.f.suppressed is None:
            per_table[v.table] = per_table.get(v.table, 0) + 1
    roles = api_roles(result)
    matrix = access_matrix(result)
    matrix_counts = matrix.counts() if matrix else {}
    table_views = tables(result, index, roles, per_table)
    counts = result.counts()
    return {
        "result": result,
        "run": result.run,
        "verdict": summary.verdict(result),
        "banner": _banner(result),
        "incomplete": summary.incomplete(result),
        "headline": summary.headline(result),
        "counts": counts,
        "max_count": max([1, *counts.values()]),
        "by_stage": summary.by_severity_and_stage(result),
        "by_category": summary.by_category(result),
        "stages": summary.stages(result),
        "seed": summary.seed(result),
        "gating": len(result.gating()),
        "inconclusive": len(summary.inconclusive(result)),
        "suppressed": sum(1 for f in result.findings if f.suppressed),
        "findings": views,
        "tables": table_views,
        "filter_tables": sorted({t.name for t in table_views} | set(per_table)),
        "functions": functions(result, index, roles),
        "matrix": matrix,
        "matrix_counts": matrix_counts,
        "outcomes": OUTCOMES,
        "commands": COMMANDS,
        "short": SHORT,
        "roles": roles,
        "controls": control_statuses(result),
        "posture": _posture(result, matrix_counts),
        "lint": [v for v in views if v.f.stage is Stage.LINT],
        "lint_ran": any(s.ran for s in summary.stages(result) if s.stage is Stage.LINT),
        "severities": list(Severity),
        "categories": list(Category),
        "stage_list": list(Stage),
        "digest": hashlib.sha256(render_json(result).encode("utf-8")).hexdigest(),
        "csp": CSP,
    }


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(result: AuditResult) -> str:
    return _environment().get_template("report.html.j2").render(**context(result))
