"""EXPLAIN (FORMAT JSON) as a tree of frozen nodes, and as the text a reviewer reads.

Checks judge plans through these nodes rather than raw dicts, so the few keys they rely
on are named once here; the raw JSON stays in the evidence untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SCAN_TYPES = frozenset(
    {
        "Seq Scan",
        "Index Scan",
        "Index Only Scan",
        "Bitmap Heap Scan",
        "Tid Scan",
        "Tid Range Scan",
        "Sample Scan",
    }
)
"""Nodes that read a relation's rows; Bitmap Index Scans feed a Bitmap Heap Scan."""


@dataclass(frozen=True, slots=True)
class PlanNode:
    node_type: str
    relation: str | None = None
    schema: str | None = None
    alias: str | None = None
    index_name: str | None = None
    index_cond: str | None = None
    recheck_cond: str | None = None
    filter: str | None = None
    subplan_name: str | None = None
    parent_relationship: str | None = None
    sort_key: tuple[str, ...] = ()
    plan_rows: float = 0.0
    actual_rows: float | None = None
    actual_loops: float | None = None
    rows_removed_by_filter: float | None = None
    children: tuple[PlanNode, ...] = ()

    @classmethod
    def from_json(cls, node: Mapping[str, Any]) -> PlanNode:
        """One node of `EXPLAIN (FORMAT JSON)`: the `Plan` object or one of its `Plans`."""
        return cls(
            node_type=str(node["Node Type"]),
            relation=node.get("Relation Name"),
            schema=node.get("Schema"),
            alias=node.get("Alias"),
            index_name=node.get("Index Name"),
            index_cond=node.get("Index Cond"),
            recheck_cond=node.get("Recheck Cond"),
            filter=node.get("Filter"),
            subplan_name=node.get("Subplan Name"),
            parent_relationship=node.get("Parent Relationship"),
            sort_key=tuple(node.get("Sort Key", ())),
            plan_rows=float(node.get("Plan Rows", 0.0)),
            actual_rows=_float(node.get("Actual Rows")),
            actual_loops=_float(node.get("Actual Loops")),
            rows_removed_by_filter=_float(node.get("Rows Removed by Filter")),
            children=tuple(cls.from_json(child) for child in node.get("Plans", ())),
        )

    @property
    def is_scan(self) -> bool:
        return self.node_type in SCAN_TYPES

    @property
    def is_init_plan(self) -> bool:
        return self.parent_relationship == "InitPlan"

    @property
    def rows(self) -> float:
        """Rows this node returned in all: actual when analysed, the estimate otherwise."""
        if self.actual_rows is None:
            return self.plan_rows
        return self.actual_rows * (self.actual_loops or 1.0)

    def walk(self) -> Iterator[PlanNode]:
        """This node and every node below it, depth first, in plan order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def scans_of(self, relation: str) -> list[PlanNode]:
        """The nodes that read `relation` (unqualified name, as EXPLAIN prints it)."""
        return [n for n in self.walk() if n.is_scan and n.relation == relation]

    def bitmap_index_scans(self) -> list[PlanNode]:
        """The Bitmap Index Scans feeding this Bitmap Heap Scan (through BitmapAnd/Or)."""
        return [n for n in self.walk() if n.node_type == "Bitmap Index Scan"]

    def has_init_plan(self) -> bool:
        return any(n.is_init_plan for n in self.walk())


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def parse_plan(explain_json: Any) -> PlanNode:
    """The root node of an EXPLAIN (FORMAT JSON) result: `[{"Plan": {...}, ...}]`."""
    document = explain_json[0] if isinstance(explain_json, list) else explain_json
    return PlanNode.from_json(document.get("Plan", document))


def render(node: PlanNode, indent: int = 0) -> str:
    """A readable tree close to EXPLAIN's text format, with estimated and actual rows."""
    lines: list[str] = []
    _render(node, indent, lines, top=True)
    return "\n".join(lines)


def _render(node: PlanNode, depth: int, lines: list[str], *, top: bool = False) -> None:
    pad = "  " * depth
    head = node.node_type
    if node.index_name:
        head += f" using {node.index_name}"
    if node.relation:
        head += f" on {node.relation}"
        if node.alias and node.alias != node.relation:
            head += f" {node.alias}"
    rows = f"rows={node.plan_rows:g}"
    if node.actual_rows is not None:
        rows += f" actual={node.rows:g}"
    if node.subplan_name:
        lines.append(f"{pad}{node.subplan_name}")
        pad += "  "
        depth += 1
    arrow = "" if top or node.subplan_name else "-> "
    lines.append(f"{pad}{arrow}{head}  ({rows})")
    detail = pad + ("   " if arrow else "  ")
    for label, value in (
        ("Sort Key", ", ".join(node.sort_key) or None),
        ("Index Cond", node.index_cond),
        ("Recheck Cond", node.recheck_cond),
        ("Filter", node.filter),
    ):
        if value:
            lines.append(f"{detail}{label}: {value}")
    if node.rows_removed_by_filter:
        lines.append(f"{detail}Rows Removed by Filter: {node.rows_removed_by_filter:g}")
    for child in node.children:
        _render(child, depth + 1, lines)
