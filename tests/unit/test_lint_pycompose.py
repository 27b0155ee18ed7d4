"""SQL composed in Python (f-strings, `+`, `%`, `.format()`, psycopg sql.SQL) and
constant strings EXECUTEd by PL/pgSQL: the text the lint reads, where each character of
it is written, and what it reports about interpolations."""

from __future__ import annotations

from harness.lint.engine import Linter
from harness.lint.plpgsql import islands
from harness.lint.pycompose import MARKER_PREFIX
from harness.lint.pysource import python_sources
from harness.lint.sources import Source
from harness.lint.tenants import TenantTables

TENANTS = TenantTables.of({"public.orders": ["id", "tenant_id", "total"]})


def _one(code: str) -> Source:
    sources = python_sources("app.py", code)
    assert len(sources) == 1
    return sources[0]


def _at(source: Source, needle: str) -> tuple[int, int]:
    return source.locate(source.text.index(needle))


def test_fstring_braces_escapes_and_fields_keep_positions() -> None:
    code = "def f(cur, t):\n    cur.execute(f\"SELECT '{{x}}'\\n FROM orders WHERE tenant_id = {t}\")\n"
    source = _one(code)
    marker, shown = source.markers[0]
    assert marker.startswith(MARKER_PREFIX) and shown == "{t}"
    assert source.text == f"SELECT '{{x}}'\n FROM orders WHERE tenant_id = {marker}"
    line = code.splitlines()[1]
    assert _at(source, "orders") == (2, line.index("orders") + 1)
    assert _at(source, marker) == (2, line.index("{t}") + 1)  # every marker char at its `{`
    assert source.locate(source.text.index(marker) + len(marker) - 1) == (2, line.index("{t}") + 1)


def test_percent_formatting_with_literal_percent_and_named_fields() -> None:
    code = (
        "def f(cur, a):\n"
        "    cur.execute(\"SELECT * FROM orders WHERE total LIKE '5%%' AND tenant_id = %(t)s\""
        ' % {"t": a})\n'
    )
    source = _one(code)
    marker, shown = source.markers[0]
    assert shown == "%(t)s"
    assert source.text == f"SELECT * FROM orders WHERE total LIKE '5%' AND tenant_id = {marker}"


def test_str_format_positional_named_and_doubled_braces() -> None:
    code = 'def f(cur, a, b):\n    cur.execute("SELECT {{1}}, {0} FROM orders WHERE id = {x}".format(a, x=b))\n'
    source = _one(code)
    shown = dict(source.markers)
    assert sorted(shown.values()) == ["{a}", "{b}"]
    assert source.text.startswith("SELECT {1}, __rls_py")


def test_sql_template_unformatted_marks_its_fields() -> None:
    source = _one('from psycopg import sql\nQ = sql.SQL("SELECT * FROM {} WHERE id = %s")\n')
    assert [shown for _, shown in source.markers] == ["{}"]


def test_non_sql_calls_and_non_string_arguments_are_ignored() -> None:
    code = "def f(log, cur, q):\n    log.info('SELECT * FROM orders')\n    cur.execute(q)\n"
    assert python_sources("app.py", code) == []


def _lint(code: str) -> list:
    return Linter(TENANTS).lint_file("app.py", python_sources("app.py", code))


def test_value_interpolation_restricts_and_fix_names_it() -> None:
    restricted = 'def f(cur, t):\n    cur.execute(f"SELECT * FROM orders WHERE tenant_id = {t}")\n'
    assert _lint(restricted) == []
    joined = (
        'def f(cur, t):\n    cur.execute(f"SELECT * FROM orders a JOIN orders b ON b.id = a.id '
        'WHERE a.tenant_id = {t}")\n'
    )
    (finding,) = _lint(joined)
    assert finding.rule == "RLS301" and "b.tenant_id = a.tenant_id" in str(finding.remediation)


def test_dynamic_table_is_reported_not_passed() -> None:
    (finding,) = _lint('def f(cur, t):\n    cur.execute(f"SELECT * FROM {t}")\n')
    assert finding.rule == "RLS303"
    assert "could not be analysed" in finding.message and "{t}" in finding.message
    assert (finding.location.line, finding.location.column) == (2, 33)  # its `{`


def test_interpolated_syntax_is_unparseable_and_says_why() -> None:
    code = 'def f(cur, o):\n    cur.execute(f"SELECT * FROM orders WHERE tenant_id = $1 {o} 5")\n'
    (finding,) = _lint(code)
    assert finding.rule == "RLS303" and "composed in Python" in finding.message


def test_plpgsql_execute_constant_keeps_offsets() -> None:
    body = "BEGIN\n  EXECUTE 'SELECT * FROM orders WHERE note = ''x''' INTO r;\nEND"
    ((offset, text),) = list(islands(body))
    assert len(text) == len("SELECT * FROM orders WHERE note = ''x''")
    assert body[offset + text.index("orders") :].startswith("orders")


def test_plpgsql_execute_built_at_run_time_is_not_read() -> None:
    body = (
        "BEGIN\n  EXECUTE 'SELECT * FROM ' || t;\n  EXECUTE format('SELECT * FROM %I', t);\n"
        "  EXECUTE E'SELECT * FROM orders\\n';\nEND"
    )
    assert list(islands(body)) == []
