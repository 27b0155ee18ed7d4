"""The analysis's shortcuts (a flat statement read from its FROM list, a set operation
of flat SELECTs read branch by branch, INSERT ... SELECT of a flat SELECT, without
sqlglot's scopes; one restricted table decided at once) find what the full analysis
(tree walk and scopes) finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from harness.lint import tenant_tables_from_ddl
from harness.lint.analyze import analyze
from harness.lint.shape import FLAT, FLAT_INSERT, FLAT_SET, NESTED, shape

CASES = Path(__file__).resolve().parents[1] / "cases" / "lint"
STATEMENTS = [
    (FLAT, "SELECT * FROM students s JOIN classes c ON c.id = s.class_id WHERE s.tenant_id = $1"),
    (FLAT, "UPDATE students SET name = $2 WHERE id = $1"),
    (FLAT, "DELETE FROM students s USING classes c WHERE s.tenant_id = $1 AND c.id = s.class_id"),
    (FLAT_SET, "SELECT id FROM students WHERE tenant_id = $1 UNION SELECT id FROM classes"),
    (FLAT_SET, "SELECT id FROM students UNION ALL SELECT id FROM classes WHERE tenant_id = $1"),
    (
        FLAT_SET,
        "SELECT id FROM students WHERE tenant_id = $1 UNION SELECT id FROM classes "
        "WHERE tenant_id = $1 INTERSECT SELECT s.id FROM students s JOIN classes c "
        "ON c.id = s.class_id WHERE c.tenant_id = $1 ORDER BY 1 LIMIT 5",
    ),
    (
        FLAT_SET,
        "SELECT id FROM students WHERE tenant_id = $1 EXCEPT SELECT id FROM classes "
        "WHERE tenant_id = $1 OR id = $2",
    ),
    (NESTED, "SELECT id FROM students WHERE tenant_id = $1 UNION (SELECT id FROM classes)"),
    (FLAT_INSERT, "INSERT INTO classes (id, tenant_id) SELECT id, tenant_id FROM classes"),
    (
        FLAT_INSERT,
        "INSERT INTO classes (id, tenant_id) SELECT s.id, s.tenant_id FROM students s "
        "JOIN classes c ON c.id = s.class_id WHERE s.tenant_id = $1",
    ),
    (
        FLAT_INSERT,
        "INSERT INTO classes (id, name) SELECT id, name FROM students WHERE tenant_id = $1 "
        "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    ),
    (
        NESTED,
        "INSERT INTO classes (id, tenant_id) SELECT id, tenant_id FROM classes "
        "UNION SELECT id, tenant_id FROM students",
    ),
    (NESTED, "WITH a AS (SELECT * FROM students) SELECT id FROM a UNION SELECT id FROM classes"),
    (NESTED, "SELECT id FROM students UNION VALUES ($1)"),
]


def _facts(analysis) -> tuple:
    refs = [
        (r.alias, r.table.qualified_name, r.action, r.reason, r.fix, r.clause)
        for r in analysis.unrestricted
    ]
    return tuple(refs), tuple(m.detail for m in analysis.missing_tenant)


@pytest.mark.parametrize(("form", "sql"), STATEMENTS)
def test_shortcut_finds_what_the_full_analysis_finds(form, sql):
    tenants = tenant_tables_from_ddl([CASES / "schema"])
    dialect = Dialect.get_or_raise("postgres")
    tokens = dialect.tokenizer().tokenize(sql)
    names = frozenset(n.lower() for n in tenants.names())
    found = shape(tokens, names)
    assert found[0] == form
    quick = analyze(dialect.parser().parse(tokens, sql)[0], tenants, shape=found)
    full = analyze(dialect.parser().parse(dialect.tokenizer().tokenize(sql), sql)[0], tenants)
    assert _facts(quick) == _facts(full)
    if "classes" in sql and "c.tenant_id" not in sql and form in (FLAT, FLAT_SET):
        assert quick.unrestricted  # the shortcut does report what it must


QUICK = [
    (True, "SELECT * FROM students WHERE tenant_id = $1 AND id = $2"),
    (True, "SELECT * FROM public.students s WHERE $1 = s.tenant_id"),
    (True, "SELECT * FROM students WHERE students.tenant_id = %(tenant_id)s"),
    (True, "SELECT * FROM students WHERE tenant_id = current_setting('app.tenant')::uuid"),
    (True, "UPDATE students SET name = $2 WHERE (id = $1) AND tenant_id = :tenant_id"),
    (True, "DELETE FROM students s WHERE s.tenant_id = '1f0e4a1c-0000-0000-0000-000000000000'"),
    (False, "SELECT * FROM students WHERE tenant_id = $1 OR id = $2"),
    (False, "SELECT * FROM students WHERE tenant_id = NULL"),
    (False, "SELECT * FROM students WHERE tenant_id = class_id"),
    (False, "SELECT * FROM students s WHERE students.tenant_id = $1"),
    (False, "SELECT * FROM students WHERE tenant_id IN ($1, $2)"),
    (False, "SELECT * FROM students WHERE tenant_id = now()"),  # restricted: full analysis
    (False, "SELECT * FROM students"),
    (False, "UPDATE students SET name = $2 WHERE id = $1"),
]


@pytest.mark.parametrize(("quick", "sql"), QUICK)
def test_single_table_shortcut_agrees_with_the_full_analysis(quick, sql):
    from harness.lint.quick import restricted_alone

    tenants = tenant_tables_from_ddl([CASES / "schema"])
    dialect = Dialect.get_or_raise("postgres")
    tokens = dialect.tokenizer().tokenize(sql)
    tree = dialect.parser().parse(tokens, sql)[0]
    table = tree.find(exp.Table)
    assert restricted_alone(tree, table, "tenant_id") is quick
    found = shape(tokens, frozenset(n.lower() for n in tenants.names()))
    full = analyze(dialect.parser().parse(dialect.tokenizer().tokenize(sql), sql)[0], tenants)
    assert _facts(analyze(tree, tenants, shape=found)) == _facts(full)
    if quick:
        assert not full.unrestricted


def test_flat_insert_shortcut_reports_the_unset_tenant():
    tenants = tenant_tables_from_ddl([CASES / "schema"])
    dialect = Dialect.get_or_raise("postgres")
    for sql in (
        "INSERT INTO students (id, name) VALUES ($1, $2)",
        "INSERT INTO students (id, tenant_id, name) VALUES ($1, NULL, $2)",
        "INSERT INTO students (id, tenant_id, name) VALUES ($1, $3, $2) RETURNING id",
    ):
        tokens = dialect.tokenizer().tokenize(sql)
        found = shape(tokens, frozenset(n.lower() for n in tenants.names()))
        assert found[0] == FLAT
        quick = analyze(dialect.parser().parse(tokens, sql)[0], tenants, shape=found)
        full = analyze(dialect.parser().parse(dialect.tokenizer().tokenize(sql), sql)[0], tenants)
        assert _facts(quick) == _facts(full)
        assert bool(quick.missing_tenant) is ("$3" not in sql)
