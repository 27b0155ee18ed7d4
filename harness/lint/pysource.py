"""SQL in Python source: the string literals handed to a database API.

Found with `ast`: the first argument (or `query=`/`sql=`/`statement=`) of `execute`,
`executemany`, `fetch*`, `copy`, `exec_driver_sql`, `read_sql*`, of psycopg's
`sql.SQL(...)` and SQLAlchemy's `text(...)`: a string literal, an f-string, a `+`
concatenation, `%` or `.format()` formatting, psycopg's `sql.SQL(...).format(...)`,
directly or through a name assigned one earlier in the same function or module
(`pycompose` builds the text, marking what Python interpolates). Each character of the
value is mapped back to where it is written, so a finding points into the literal at the
table's own line and column.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from .pycompose import Built, Composer
from .sources import ExternalSuppression, Source

CALL_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "mogrify",
        "fetch",
        "fetchrow",
        "fetchval",
        "copy",
        "copy_expert",
        "read_sql",
        "read_sql_query",
        "SQL",
        "text",
    }
)
WRAPPERS = frozenset({"SQL", "text"})
"""Calls that wrap SQL for another call to run."""
QUERY_KEYWORDS = ("query", "sql", "statement", "operation")
_SUPPRESS = re.compile(r"#\s*(rls-audit:.*)$")


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _query_arg(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for kw in call.keywords:
        if kw.arg in QUERY_KEYWORDS:
            return kw.value
    return None


class _Finder(ast.NodeVisitor):
    """Collects (call, composed SQL) pairs, resolving names through earlier assignments
    (in the scope the call sees when it is visited)."""

    def __init__(self, lines: list[str]) -> None:
        self.found: list[tuple[ast.Call, Built]] = []
        self.scopes: list[dict[str, list[tuple[int, ast.expr]]]] = [{}]
        self.composer = Composer(lines, self._resolve)

    def _assign(self, targets: list[ast.expr], value: ast.expr | None, end: int) -> None:
        if value is None:
            return
        for target in targets:
            if isinstance(target, ast.Name):
                self.scopes[-1].setdefault(target.id, []).append((end, value))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value, node.end_lineno or node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign([node.target], node.value, node.end_lineno or node.lineno)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        """`q += "..."` is `q = q + "..."`, the right-hand `q` the earlier value."""
        if isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add | ast.Mod):
            earlier = ast.copy_location(ast.Name(node.target.id, ast.Load()), node.target)
            value = ast.copy_location(ast.BinOp(earlier, node.op, node.value), node)
            self._assign([node.target], value, node.end_lineno or node.lineno)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _resolve(self, name: str, at: ast.AST) -> ast.expr | None:
        """The value last assigned to `name` in a statement that ends before `at`."""
        line = getattr(at, "lineno", 0)
        for scope in reversed(self.scopes):
            earlier = [value for end, value in scope.get(name, []) if end < line]
            if earlier:
                return earlier[-1]
        return None

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name in CALL_METHODS:
            built = self.composer.build(node if name == "SQL" else _query_arg(node))
            if built is not None and built.text:
                self.found.append((node, built))
        self.generic_visit(node)


def _comments(text: str) -> dict[int, ExternalSuppression]:
    found: dict[int, ExternalSuppression] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                m = _SUPPRESS.search(tok.string)
                if m:
                    found[tok.start[0]] = ExternalSuppression(
                        m.group(1), tok.start[0], tok.start[1] + m.start(1) + 1
                    )
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def python_sources(path: str, text: str) -> list[Source]:
    """One source per SQL string a Python file hands to a database API. A file that does
    not parse has none."""
    if not any(name in text for name in CALL_METHODS):  # most modules run no SQL
        return []
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError:
        return []
    lines = text.splitlines(keepends=True)
    finder = _Finder(lines)
    finder.visit(tree)
    if not finder.found:
        return []
    comments = _comments(text) if "rls-audit:" in text else {}
    out, seen = [], set()
    for call, built in _outermost(finder.found):
        key = (built.text, frozenset(built.literals))
        if key in seen:  # one constant run by several calls
            continue
        seen.add(key)
        span = range(call.lineno - 1, (call.end_lineno or call.lineno) + 1)
        external = tuple(comments[ln] for ln in span if ln in comments)
        line, column = built.start or built.positions[0]
        out.append(
            Source(
                path,
                built.text,
                kind="python",
                line=line,
                column=column,
                positions=tuple(built.positions),
                external=external,
                markers=tuple(built.markers.items()),
            )
        )
    return out


def _outermost(found: list[tuple[ast.Call, Built]]) -> list[tuple[ast.Call, Built]]:
    """Drop a composition whose literals a larger one uses too (a base string extended
    later), or the same ones inside a call that runs it (`sql.SQL("...")` formatted and
    executed elsewhere)."""

    def covered(a: tuple[ast.Call, Built], b: tuple[ast.Call, Built]) -> bool:
        mine, theirs = a[1].literals, b[1].literals
        return mine < theirs or (
            mine == theirs
            and _call_name(a[0].func) in WRAPPERS
            and _call_name(b[0].func) not in WRAPPERS
        )

    return [a for a in found if not any(covered(a, b) for b in found if b is not a)]
