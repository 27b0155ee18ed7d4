"""EXPLAIN JSON as PostgreSQL 15 and 18 print it, parsed and rendered."""

from __future__ import annotations

from harness.plans.tree import parse_plan, render

PG15 = [
    {
        "Plan": {
            "Node Type": "Limit",
            "Plan Rows": 50,
            "Actual Rows": 50,
            "Actual Loops": 1,
            "Plans": [
                {
                    "Node Type": "Result",
                    "Parent Relationship": "InitPlan",
                    "Subplan Name": "InitPlan 1 (returns $0)",
                    "Plan Rows": 1,
                },
                {
                    "Node Type": "Sort",
                    "Parent Relationship": "Outer",
                    "Sort Key": ["t.created_at DESC"],
                    "Plan Rows": 51,
                    "Plans": [
                        {
                            "Node Type": "Bitmap Heap Scan",
                            "Relation Name": "t",
                            "Alias": "t",
                            "Recheck Cond": "(tenant_id = $0)",
                            "Plan Rows": 51,
                            "Actual Rows": 500,
                            "Actual Loops": 1,
                            "Plans": [
                                {
                                    "Node Type": "Bitmap Index Scan",
                                    "Index Name": "t_pkey",
                                    "Index Cond": "(tenant_id = $0)",
                                    "Plan Rows": 51,
                                }
                            ],
                        }
                    ],
                },
            ],
        },
        "Execution Time": 0.5,
    }
]

PG18_SEQ = [
    {
        "Plan": {
            "Node Type": "Aggregate",
            "Plan Rows": 1,
            "Plans": [
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "w",
                    "Alias": "w",
                    "Filter": "(tenant_id = vcur())",
                    "Rows Removed by Filter": 4500.0,
                    "Plan Rows": 51,
                    "Actual Rows": 250.0,
                    "Actual Loops": 2.0,
                }
            ],
        }
    }
]


def test_parse_walks_every_node_in_plan_order() -> None:
    root = parse_plan(PG15)
    assert [n.node_type for n in root.walk()] == [
        "Limit",
        "Result",
        "Sort",
        "Bitmap Heap Scan",
        "Bitmap Index Scan",
    ]
    assert root.has_init_plan()
    heap = root.scans_of("t")
    assert [n.node_type for n in heap] == ["Bitmap Heap Scan"]
    assert heap[0].bitmap_index_scans()[0].index_name == "t_pkey"
    assert root.children[1].sort_key == ("t.created_at DESC",)


def test_rows_are_actual_times_loops_when_analysed() -> None:
    scan = parse_plan(PG18_SEQ).children[0]
    assert scan.rows == 500.0
    assert scan.rows_removed_by_filter == 4500.0
    assert parse_plan(PG15).children[0].rows == 1.0  # estimate: not analysed


def test_render_reads_like_explain() -> None:
    text = render(parse_plan(PG15))
    assert text.splitlines()[0] == "Limit  (rows=50 actual=50)"
    assert "InitPlan 1 (returns $0)" in text
    assert "-> Bitmap Index Scan using t_pkey  (rows=51)" in text
    assert "Index Cond: (tenant_id = $0)" in text
    assert "Sort Key: t.created_at DESC" in text
    seq = render(parse_plan(PG18_SEQ))
    assert "-> Seq Scan on w  (rows=51 actual=500)" in seq
    assert "Filter: (tenant_id = vcur())" in seq and "Rows Removed by Filter: 4500" in seq


def test_parse_accepts_the_plan_object_itself() -> None:
    assert parse_plan(PG15[0]["Plan"]).node_type == "Limit"
