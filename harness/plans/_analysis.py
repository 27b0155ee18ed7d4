"""How a plan applies the tenant restriction: the judgements the plan checks share.

Conditions are read as EXPLAIN prints them (`(tenant_id = $0)` on PostgreSQL 15,
`(tenant_id = (InitPlan 1).col1)` on 18, an alias prefix when the query joins), so the
patterns allow both and never depend on a particular index name.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache

from ..catalog import Catalog, Index
from .model import PlanRecord
from .tree import PlanNode

_NOT_FUNCTIONS = frozenset(
    {"select", "any", "all", "array", "exists", "in", "coalesce", "nullif", "greatest",
     "least", "case", "row", "values", "and", "or", "not", "cast"}
)  # fmt: skip
_CALL = re.compile(r"(?<!::)(?<![\w.$])(?:\w+\.)?(\w+)\s*\(")


class Access(enum.Enum):
    """How one scan finds the current tenant's rows."""

    TENANT_INDEX = "an index led by the tenant column"
    OTHER_INDEX = "an index that holds the tenant column but is not led by it"
    FILTER = "a filter evaluated on every row read"
    NONE = "no tenant restriction"


@dataclass(frozen=True, slots=True)
class TenantAccess:
    scan: PlanNode
    access: Access
    index: Index | None = None


@cache
def _column(column: str) -> str:
    return rf'(?<![\w.])(?:\w+\.)?"?{re.escape(column)}"?(?!\w)'


@cache
def _equality(column: str) -> re.Pattern[str]:
    col = _column(column)
    return re.compile(rf"(?:\(|\s|^){col}\s*=\s|=\s*{col}\s*\)")


@cache
def _wrapped(column: str) -> re.Pattern[str]:
    col = _column(column)
    return re.compile(rf"\(\s*{col}\s*\)::|\b\w+\(\s*{col}\s*[,)]")


def mentions(condition: str | None, column: str) -> bool:
    return bool(condition) and re.search(_column(column), condition or "") is not None


def restricts(condition: str | None, column: str) -> bool:
    """The condition compares the bare column for equality: usable as an index key."""
    return bool(condition) and _equality(column).search(condition or "") is not None


def wraps(condition: str | None, column: str) -> bool:
    """The condition casts the column or passes it to a function: no plain index serves it."""
    return bool(condition) and _wrapped(column).search(condition or "") is not None


def index_named(catalog: Catalog, table: str, name: str | None) -> Index | None:
    return next((i for i in catalog.indexes_on(table) if i.name == name), None)


def tenant_access(scan: PlanNode, catalog: Catalog, table: str, column: str) -> TenantAccess:
    """Classify how `scan` (a scan of `table`) restricts rows to the current tenant."""
    index_scans = scan.bitmap_index_scans() if scan.node_type == "Bitmap Heap Scan" else [scan]
    found: TenantAccess | None = None
    for node in index_scans:
        if node.index_name and restricts(node.index_cond, column):
            index = index_named(catalog, table, node.index_name)
            led = index is not None and index.leading_column == column
            access = TenantAccess(scan, Access.TENANT_INDEX if led else Access.OTHER_INDEX, index)
            if led:
                return access
            found = found or access
    if found is not None:
        return found
    conditions = (scan.index_cond, scan.recheck_cond, scan.filter)
    if any(mentions(c, column) for c in conditions):
        return TenantAccess(scan, Access.FILTER)
    return TenantAccess(scan, Access.NONE)


def table_scans(record: PlanRecord, catalog: Catalog) -> list[PlanNode]:
    """Scans of the record's table, or of its partitions when it is partitioned."""
    plan = record.plan
    if plan is None:
        return []
    names = {record.relation} | {
        t.name for t in catalog.tables if t.partition_parent == record.table
    }
    return [n for n in plan.walk() if n.is_scan and n.relation in names]


def policy_functions(catalog: Catalog, table: str) -> tuple[str, ...]:
    """Names of the functions the table's SELECT policies call, sorted."""
    names: set[str] = set()
    for policy in catalog.policies_for(table):
        if policy.applies_to("SELECT") and policy.using:
            names.update(
                m.group(1)
                for m in _CALL.finditer(policy.using)
                if m.group(1).lower() not in _NOT_FUNCTIONS
            )
    return tuple(sorted(names))


def calls_in(condition: str | None, functions: tuple[str, ...]) -> tuple[str, ...]:
    """Which of `functions` the condition calls directly (not through an InitPlan)."""
    if not condition:
        return ()
    called = {m.group(1) for m in _CALL.finditer(condition)}
    return tuple(f for f in functions if f in called)


def tenant_led_indexes(catalog: Catalog, table: str, column: str) -> tuple[Index, ...]:
    return tuple(
        i
        for i in catalog.indexes_on(table)
        if i.valid and i.predicate is None and i.leading_column == column
    )


def non_leading_indexes(catalog: Catalog, table: str, column: str) -> tuple[Index, ...]:
    """Indexes that hold the tenant column after their first key column."""
    return tuple(
        i for i in catalog.indexes_on(table) if column in i.columns[1:] and i.predicate is None
    )


def representative(records: list[PlanRecord]) -> PlanRecord:
    """The record to show as evidence: the largest tenant, the newest-rows query first."""
    order = {"large": 0, "medium": 1, "small": 2}
    kinds = {"newest": 0, "count": 1, "app": 2, "by_id": 3}
    return min(records, key=lambda r: (order[r.tenant.size_class], kinds[r.query], r.sql))
