"""SQL in Python source: the string literals handed to a database API.

Found with `ast`: the first argument (or `query=`/`sql=`/`statement=`) of `execute`,
`executemany`, `fetch*`, `copy`, `exec_driver_sql`, `read_sql*`, of psycopg's
`sql.SQL(...)` and SQLAlchemy's `text(...)`, a literal directly or through a name
assigned a literal earlier in the same function or module. f-strings and concatenations
are not followed. Each character of the value is mapped back to where it is written, so
a finding points into the literal at the table's own line and column.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

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
QUERY_KEYWORDS = ("query", "sql", "statement", "operation")
_SUPPRESS = re.compile(r"#\s*(rls-audit:.*)$")
_SIMPLE_ESCAPES = frozenset("\\'\"abfnrtv")
_PREFIX = re.compile(r"^[A-Za-z]*")
_FIELD = re.compile(r"\{(\w*)\}")


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
    """Collects (call, literal) pairs, resolving names through earlier assignments."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Call, ast.Constant]] = []
        """(call, literal); psycopg `SQL()` literals have `{}` fields to blank."""
        self.scopes: list[dict[str, list[tuple[int, ast.Constant]]]] = [{}]

    def _assign(self, targets: list[ast.expr], value: ast.expr | None) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    self.scopes[-1].setdefault(target.id, []).append((value.lineno, value))

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assign([node.target], node.value)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _resolve(self, name: str, line: int) -> ast.Constant | None:
        for scope in reversed(self.scopes):
            earlier = [c for ln, c in scope.get(name, []) if ln <= line]
            if earlier:
                return earlier[-1]
        return None

    def visit_Call(self, node: ast.Call) -> None:
        if _call_name(node.func) in CALL_METHODS:
            arg = _query_arg(node)
            if isinstance(arg, ast.Name):
                arg = self._resolve(arg.id, node.lineno)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.found.append((node, arg))
        self.generic_visit(node)


def _char_col(line: str, byte_col: int) -> int:
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def _escape_width(body: str, i: int) -> tuple[int, int]:
    """(source characters, value characters) of the escape starting at body[i] == '\\'."""
    nxt = body[i + 1] if i + 1 < len(body) else ""
    if not nxt:
        return 1, 1
    if nxt == "\n":
        return 2, 0
    if nxt in _SIMPLE_ESCAPES:
        return 2, 1
    if nxt in "01234567":
        j = i + 1
        while j < len(body) and j < i + 4 and body[j] in "01234567":
            j += 1
        return j - i, 1
    widths = {"x": 4, "u": 6, "U": 10}
    if nxt in widths:
        return widths[nxt], 1
    if nxt == "N" and i + 2 < len(body) and body[i + 2] == "{":
        return body.index("}", i) - i + 1, 1
    return 1, 1  # an unknown escape keeps its backslash


def _string_positions(token: str, row: int, col: int) -> list[tuple[int, int]]:
    """(line, 1-based column) in the file of each character of one string token's value."""
    prefix = _PREFIX.match(token).group()  # type: ignore[union-attr]
    quote = token[len(prefix) : len(prefix) + 3]
    quote = quote if quote in ('"""', "'''") else quote[0]
    raw = "r" in prefix.lower()
    body = token[len(prefix) + len(quote) : -len(quote)]
    col += len(prefix) + len(quote)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(body):
        width, produced = (1, 1) if raw or body[i] != "\\" else _escape_width(body, i)
        if produced:
            out.append((row, col + 1))
        for ch in body[i : i + width]:
            if ch == "\n":
                row, col = row + 1, 0
            else:
                col += 1
        i += width
    return out


def _literal_positions(lines: list[str], node: ast.Constant) -> tuple[tuple[int, int], ...] | None:
    """Positions of every character of the literal's value, or None if they do not add up
    (the caller then points at the literal's start)."""
    end_lineno, end_col = node.end_lineno or node.lineno, node.end_col_offset or 0
    first = lines[node.lineno - 1]
    start = _char_col(first, node.col_offset)
    if end_lineno == node.lineno:
        segment = first[start : _char_col(first, end_col)]
    else:
        middle = lines[node.lineno : end_lineno - 1]
        last = lines[end_lineno - 1][: _char_col(lines[end_lineno - 1], end_col)]
        segment = "".join([first[start:], *middle, last])
    out: list[tuple[int, int]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("(" + segment + ")").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        row = node.lineno + tok.start[0] - 1
        col = tok.start[1] - 1 + start if tok.start[0] == 1 else tok.start[1]
        out.extend(_string_positions(tok.string, row, col))
    return tuple(out) if len(out) == len(node.value) else None


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
    """One source per SQL literal of a Python file. A file that does not parse has none."""
    if not any(name in text for name in CALL_METHODS):  # most modules run no SQL
        return []
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError:
        return []
    finder = _Finder()
    finder.visit(tree)
    if not finder.found:
        return []
    lines = text.splitlines(keepends=True)
    comments = _comments(text) if "rls-audit:" in text else {}
    out, seen = [], set()
    for call, literal in finder.found:
        if id(literal) in seen:
            continue
        seen.add(id(literal))
        positions = _literal_positions(lines, literal)
        span = range(call.lineno - 1, (call.end_lineno or call.lineno) + 1)
        external = tuple(comments[ln] for ln in span if ln in comments)
        line = literal.lineno
        column = _char_col(lines[line - 1], literal.col_offset) + 1
        value = literal.value
        if _call_name(call.func) == "SQL":  # psycopg composition fields, same length
            value = _FIELD.sub(lambda m: "_" + m.group(1) + "_", value)
        out.append(
            Source(
                path,
                value,
                kind="python",
                line=line,
                column=column,
                positions=positions,
                external=external,
            )
        )
    return out
