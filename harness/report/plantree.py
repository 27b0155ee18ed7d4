"""EXPLAIN (FORMAT JSON) output as a tree of labelled nodes, for the HTML report.

Accepts what a plan finding carries in `evidence.plan`: the JSON list EXPLAIN returns,
one `{"Plan": ...}` object, or a bare plan node. Anything else is shown as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_DETAILS = (
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Filter",
    "One-Time Filter",
    "Rows Removed by Filter",
    "Plan Rows",
    "Actual Rows",
    "Actual Loops",
    "Total Cost",
    "Actual Total Time",
)
_HOT = ("Seq Scan", "Parallel Seq Scan")


@dataclass(frozen=True, slots=True)
class PlanNode:
    label: str
    details: tuple[tuple[str, str], ...] = ()
    children: tuple[PlanNode, ...] = field(default=())
    hot: bool = False
    """A node a reviewer should look at first: a sequential scan or a per-row subplan."""


def plan_tree(plan: Any) -> PlanNode | None:
    """The root node, or None when `plan` is not an EXPLAIN JSON document."""
    if isinstance(plan, str):
        try:
            plan = json.loads(plan)
        except ValueError:
            return None
    if isinstance(plan, list) and plan and isinstance(plan[0], dict):
        plan = plan[0]
    if isinstance(plan, dict) and isinstance(plan.get("Plan"), dict):
        plan = plan["Plan"]
    if not isinstance(plan, dict) or "Node Type" not in plan:
        return None
    return _node(plan)


def _node(raw: dict[str, Any]) -> PlanNode:
    kind = str(raw.get("Node Type", "?"))
    label = kind
    if (raw.get("Join Type") and "Join" in kind) or kind == "Nested Loop":
        label = f"{raw.get('Join Type', '')} {kind}".strip()
    if raw.get("Index Name"):
        label += f" using {raw['Index Name']}"
    if raw.get("Relation Name"):
        rel = raw["Relation Name"]
        rel = f"{raw['Schema']}.{rel}" if raw.get("Schema") else rel
        alias = raw.get("Alias")
        label += f" on {rel}" + (f" {alias}" if alias and alias != raw["Relation Name"] else "")
    if raw.get("Subplan Name"):
        label = f"{raw['Subplan Name']}: {label}"
    details = tuple((k, str(raw[k])) for k in _DETAILS if k in raw)
    children = tuple(_node(c) for c in raw.get("Plans", []) if isinstance(c, dict))
    hot = kind in _HOT or str(raw.get("Parent Relationship")) == "SubPlan"
    return PlanNode(label, details, children, hot)


def plan_text(plan: Any) -> str:
    """A plan that is not a tree, as text."""
    if isinstance(plan, str):
        return plan
    return json.dumps(plan, indent=2, default=str)
