"""Fuzzing under a fixed budget: the statement splitter and the linter take any text.

Each example runs under an alarm, so a hang fails the test instead of stalling CI; the
example counts are small enough that the module runs in seconds.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.lint import TenantTables, lint_sql
from harness.sqlsplit import SplitError, Statement, split_statements

BUDGET = settings(
    max_examples=200,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)
PER_EXAMPLE_S = 5.0
TENANTS = TenantTables.of(["public.users", "public.grades", "app.notes"])

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")


class Hang(Exception):
    pass


@contextmanager
def bounded(seconds: float = PER_EXAMPLE_S) -> Iterator[None]:
    """Fail instead of hanging: the alarm interrupts a loop that never ends."""

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"took more than {seconds}s")

    previous: Callable | int | None = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- building blocks of SQL-like text, whose statements are known by construction -----

WORD = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzEÜß0123456789_(),.=<>+!"), min_size=1, max_size=8
)
ANY = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
QUOTED = ANY.map(lambda s: "'" + s.replace("'", "''") + "'")
IDENT = ANY.map(lambda s: '"' + s.replace('"', '""') + '"')
TAG = st.text(st.sampled_from("abc_xyz"), max_size=3).map(lambda t: f"${t}$")
DOLLAR = st.builds(lambda tag, body: f"{tag}{body}{tag}", TAG, ANY.filter(lambda s: "$" not in s))
LINE_COMMENT = ANY.filter(lambda s: "\n" not in s and "\r" not in s).map(lambda s: f"--{s}\n")
BLOCK_COMMENT = ANY.filter(lambda s: "/*" not in s and "*/" not in s and not s.endswith("/")).map(
    lambda s: f"/*{s}*/"
)
TOKEN = st.one_of(WORD, WORD, QUOTED, IDENT, DOLLAR, LINE_COMMENT, BLOCK_COMMENT)
SPACE = st.sampled_from([" ", "\n", "\t", "  \n "])
STATEMENT = st.builds(
    lambda first, rest, last: " ".join([first, *rest, last]),
    WORD,
    st.lists(TOKEN, max_size=6),
    st.one_of(WORD, QUOTED, IDENT, DOLLAR),
)
GAP = st.lists(st.one_of(SPACE, LINE_COMMENT, BLOCK_COMMENT), max_size=3).map("".join)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[str, list[tuple[str, int]]]:
    """A script and its expected (statement, first line) pairs."""
    parts: list[str] = []
    expected: list[tuple[str, int]] = []
    statements = draw(st.lists(STATEMENT, max_size=5))
    terminated = True
    for n, stmt in enumerate(statements):
        parts.append(draw(GAP))
        expected.append((stmt, "".join(parts).count("\n") + 1))
        parts.append(stmt)
        terminated = n < len(statements) - 1 or draw(st.booleans())
        if terminated:
            parts.append(";")
    gap = draw(GAP)
    parts.append(gap)
    if not terminated:  # an unterminated last statement keeps its trailing comments
        expected[-1] = ((expected[-1][0] + gap).strip(), expected[-1][1])
    return "".join(parts), expected


@BUDGET
@given(scripts())
def test_splitter_finds_exactly_the_statements_it_was_given(case):
    script, expected = case
    with bounded():
        found = [(s.text, s.line) for s in split_statements(script)]
    assert found == expected


@BUDGET
@given(st.one_of(ANY, st.text(max_size=400), st.lists(TOKEN | SPACE | st.just(";")).map("".join)))
def test_splitter_never_crashes_and_covers_the_text(text):
    with bounded():
        try:
            statements = list(split_statements(text))
        except SplitError as exc:
            assert 1 <= exc.line <= text.count("\n") + 1
            return
    for stmt in statements:
        assert stmt.text and stmt.text == stmt.text.strip()
    assert _placed(text, statements), (text, statements)


def _line_start(text: str, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        pos = text.index("\n", pos) + 1
    return pos


def _blank(gap: str) -> bool:
    """Whitespace, semicolons and comments only, as the splitter itself reads them."""
    try:
        return not any(split_statements(gap))
    except SplitError:
        return False


def _placed(text: str, statements: list[Statement]) -> bool:
    """The statements sit in the text in order, from their line on, with only blanks
    between them: re-joined, they cover every piece of non-comment text."""
    cursor = 0
    for stmt in statements:
        pos = text.find(stmt.text, max(cursor, _line_start(text, stmt.line)))
        while pos >= 0 and not _blank(text[cursor:pos]):
            pos = text.find(stmt.text, pos + 1)
        if pos < 0:
            return False
        cursor = pos + len(stmt.text)
    return _blank(text[cursor:])


KEYWORDS = st.sampled_from(
    ["select", "*", "from", "users", "public.users", "app.notes", "grades", "where",
     "tenant_id", "=", "$1", "insert", "into", "values", "(", ")", ",", "update", "set",
     "delete", "join", "on", "with", "as", "union", "--", "rls-audit: ignore[RLS301]",
     "/*", "*/", "'", '"', "$$", "$x$", ";", "\n", "create", "function", "begin", "end",
     "returns", "language", "plpgsql", "merge", "using", "copy", "e'\\'", "::", "lateral"]
)  # fmt: skip


@BUDGET
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(KEYWORDS, max_size=40).map(" ".join),
        st.lists(KEYWORDS | WORD | QUOTED | SPACE, max_size=30).map("".join),
    )
)
def test_linter_never_raises(text):
    with bounded():
        findings = lint_sql(text, tenant_tables=TENANTS, path="fuzz.sql")
    assert isinstance(findings, list)


lint_sql("select 1 from users", tenant_tables=TENANTS)  # imports outside the deadline
