"""Application SQL in the plan stage: tenant parameters bound, others renumbered for a
generic plan or refused with the reason, tables found, statements read from files."""

from __future__ import annotations

from pathlib import Path

import sqlglot

from harness.catalog import Catalog, Column, Table
from harness.plans.appsql import app_statements, bind, by_table, read_tables

TENANT = "11111111-1111-4111-8111-111111111111"
COLUMNS = (Column("id", "uuid", True, None, 1), Column("tenant_id", "uuid", True, None, 2))
NOTES = Table("public", "notes", 1, "table", "postgres", True, True, "tenant_id", COLUMNS)
AUDIT_NOTES = Table("audit", "notes", 2, "table", "postgres", True, True, "tenant_id", COLUMNS)
CATALOG = Catalog(150000, "db", tables=(NOTES, AUDIT_NOTES))


def test_every_placeholder_style_compared_with_the_tenant_is_bound() -> None:
    for text in (
        "SELECT * FROM notes WHERE tenant_id = $1",
        "SELECT * FROM notes WHERE tenant_id = %s",
        "SELECT * FROM notes n WHERE n.tenant_id = %(tid)s",
        "SELECT * FROM notes n WHERE :tid = n.tenant_id",
        "SELECT * FROM notes WHERE tenant_id = $1::uuid",
    ):
        bound = bind(text, "tenant_id", TENANT, generic_plans=False)
        assert bound.reason is None and not bound.generic, text
        assert f"'{TENANT}'" in bound.text, bound.text
        sqlglot.parse_one(bound.text, dialect="postgres")  # still valid SQL


def test_other_parameters_are_renumbered_for_a_generic_plan_or_refused() -> None:
    text = "SELECT * FROM notes WHERE tenant_id = %s AND id = %s AND body = :b"
    generic = bind(text, "tenant_id", TENANT, generic_plans=True)
    assert generic.generic and generic.reason is None
    assert "$1" in generic.text and "$2" in generic.text and "$3" not in generic.text
    assert f"'{TENANT}'" in generic.text
    refused = bind(text, "tenant_id", TENANT, generic_plans=False)
    assert refused.reason is not None and "%s, :b" in refused.reason
    assert "PostgreSQL 16" in refused.reason
    plain = "SELECT count(*) FROM notes"
    assert bind(plain, "tenant_id", TENANT, generic_plans=False).text == plain


def test_statements_go_to_the_tables_they_read() -> None:
    tree = sqlglot.parse_one(
        "WITH notes AS (SELECT 1) SELECT * FROM notes, audit.notes a", dialect="postgres"
    )
    assert read_tables(tree, CATALOG) == ["audit.notes"]  # the CTE shadows public.notes
    app, skipped = by_table(
        [
            ("SELECT * FROM notes WHERE tenant_id = $1", "a.sql:1:1"),
            ("SELECT 1", "a.sql:2:1"),
            ("SELEC broken (", "a.sql:3:1"),
        ],
        CATALOG,
        ["public.notes", "audit.notes"],
    )
    assert {t: [(q.text, q.location) for q in qs] for t, qs in app.items()} == {
        "public.notes": [("SELECT * FROM notes WHERE tenant_id = $1", "a.sql:1:1")]
    }
    assert [(s.location, s.reason.startswith("not parsed")) for s in skipped] == [
        ("a.sql:3:1", True)
    ]
    mapping, none = by_table({"public.notes": ["SELECT 1"]}, CATALOG, ["public.notes"])
    assert [q.text for q in mapping["public.notes"]] == ["SELECT 1"] and none == []


def test_statements_are_read_from_sql_and_python_files(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(
        "-- listing\nSELECT * FROM notes WHERE tenant_id = $1;\nCREATE INDEX i ON notes (id);\n"
    )
    (tmp_path / "app.py").write_text(
        'cur.execute("SELECT id FROM notes WHERE tenant_id = %s", (t,))\n'
    )
    found = sorted(app_statements([tmp_path]))
    assert found == [
        ("SELECT * FROM notes WHERE tenant_id = $1", f"{tmp_path / 'q.sql'}:2:1"),
        ("SELECT id FROM notes WHERE tenant_id = %s", f"{tmp_path / 'app.py'}:1:14"),
    ]
