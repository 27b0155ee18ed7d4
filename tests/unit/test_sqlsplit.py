from __future__ import annotations

import pytest

from harness.sqlsplit import SplitError, split_statements


def texts(script: str) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in split_statements(script)]


def test_semicolons_inside_quotes_comments_and_dollar_quotes_do_not_split():
    script = (
        "-- a comment; not a statement\n"
        "create function f() returns int as $$ select 1; $$ language sql;\n"
        "/* one; /* nested; */ still comment */ select 'a;b', \"x;y\";\n"
        "select $body$ ; $body$;\n"
        "select E'it\\'s; fine';\n"
    )
    assert texts(script) == [
        (2, "create function f() returns int as $$ select 1; $$ language sql"),
        (3, "select 'a;b', \"x;y\""),
        (4, "select $body$ ; $body$"),
        (5, "select E'it\\'s; fine'"),
    ]


def test_line_numbers_count_newlines_inside_bodies():
    script = "select 1;\n\ncreate function g() returns void as $fn$\nbegin\n  null;\nend\n$fn$ language plpgsql;\nselect 2"
    assert [line for line, _ in texts(script)] == [1, 3, 8]


def test_doubled_quotes_and_empty_statements():
    assert texts("select 'it''s;';;  ;\nselect 2;") == [(1, "select 'it''s;'"), (2, "select 2")]


def test_dollar_sign_in_identifier_is_not_a_quote():
    assert texts("select a$b, $1 from t; select 2") == [
        (1, "select a$b, $1 from t"),
        (1, "select 2"),
    ]


@pytest.mark.parametrize(
    ("script", "message", "line"),
    [
        ("select 1;\n\\i other.sql\n", "psql meta-command \\i is not SQL", 2),
        ("select 'open\n;", "unterminated ' quote", 1),
        ("select 1;\nselect $$ never closed", "unterminated dollar quote $$", 2),
        ("/* open\n", "unterminated /* comment", 1),
    ],
)
def test_unsplittable_scripts_name_the_line(script, message, line):
    with pytest.raises(SplitError) as info:
        list(split_statements(script))
    assert info.value.line == line
    assert message in str(info.value)
