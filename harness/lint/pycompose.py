"""SQL text composed in Python: literals, f-strings, `+`, `%` and `.format()`.

What the Python code interpolates is unknown to the lint. Each interpolation becomes a
marker identifier (`__rls_py1__`) standing where the value is written, and the source
keeps the Python expression it stands for. The engine then reads:

- a marker in a value position as one opaque value: `tenant_id = {tenant}` restricts;
- a marker where a table name goes (or in the column list of an INSERT into a tenant
  table) as a statement it cannot analyse: RLS303, never a silent pass;
- a marker standing for a whole condition (`WHERE {cond}`) as restricting nothing, so
  the statement is reported unless the SQL text restricts it anyway;
- a marker standing for other syntax (`{order_by}`): the statement does not parse,
  RLS303 naming the interpolations.

psycopg's `sql.SQL(...).format(...)` is followed further: `sql.Identifier("a", "b")`
with constant names becomes `"a"."b"`, `sql.SQL("...")` its text, `sql.Placeholder()`
`%s`; `sql.Literal(x)` and any other argument a marker.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from .pystrings import FIELD, Position, literal_items, start_of
from .statement import ParseProblem

MARKER_PREFIX = "__rls_py"
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_PERCENT = re.compile(r"%%|%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXoeEgGcab]")
_MAX_DEPTH = 20


@dataclass
class Built:
    """Composed SQL text, where each character of it is written, and its markers."""

    text: str = ""
    positions: list[Position] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)
    """marker -> the Python expression it stands for, as written (`{tenant}`)."""
    literals: set[int] = field(default_factory=set)
    """ids of the string literal nodes used: a literal used by a larger composition is
    not linted on its own as well."""
    start: Position | None = None
    """Where the first literal used starts (its opening quote)."""

    def add(self, other: Built) -> None:
        self.start = self.start or other.start
        self.text += other.text
        self.positions.extend(other.positions)
        self.markers.update(other.markers)
        self.literals |= other.literals

    def add_text(self, text: str, at: Position) -> None:
        self.text += text
        self.positions.extend([at] * len(text))


class Composer:
    """Builds the SQL a Python expression evaluates to, as far as it is written out.

    `resolve(name, node)` gives the expression last assigned to a name before `node`."""

    def __init__(
        self, lines: list[str], resolve: Callable[[str, ast.AST], ast.expr | None]
    ) -> None:
        self.lines = lines
        self.resolve = resolve
        self._count = 0

    def build(self, node: ast.expr | None, depth: int = 0) -> Built | None:
        """The composed text, or None for an expression that is no SQL string."""
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return self._constant(node) if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.Name):
            return self.build(self.resolve(node.id, node), depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            if left is None and right is None:
                return None
            out = Built()
            out.add(left if left is not None else self._marker(node.left))
            out.add(right if right is not None else self._marker(node.right))
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = self.build(node.left, depth + 1)
            return None if left is None else self._percent(left, node.right)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        return None

    # -- leaves ----------------------------------------------------------------------

    def _constant(self, node: ast.Constant) -> Built:
        value: str = node.value
        items = literal_items(self.lines, node)
        positions = [p for kind, p in items or () if kind != FIELD]
        if len(positions) != len(value):  # cannot map: point at the literal's start
            positions = [start_of(self.lines, node)] * len(value)
        return Built(value, positions, {}, {id(node)}, start_of(self.lines, node))

    def _fstring(self, node: ast.JoinedStr) -> Built:
        items = literal_items(self.lines, node) or []
        chars = [p for kind, p in items if kind != FIELD]
        fields = [p for kind, p in items if kind == FIELD]
        parts = node.values
        wanted = sum(len(p.value) for p in parts if isinstance(p, ast.Constant))
        interpolations = sum(1 for p in parts if not isinstance(p, ast.Constant))
        if len(chars) != wanted or len(fields) != interpolations:
            start = start_of(self.lines, node)
            chars, fields = [start] * wanted, [start] * interpolations
        out = Built(literals={id(node)}, start=start_of(self.lines, node))
        for part in parts:
            if isinstance(part, ast.Constant):
                n = len(part.value)
                out.text += part.value
                out.positions.extend(chars[:n])
                chars = chars[n:]
            else:
                value = part.value if isinstance(part, ast.FormattedValue) else part
                out.add(self._marker(value, fields.pop(0), braces=True))
        return out

    def _marker(
        self, node: ast.AST, at: Position | None = None, braces: bool = False, shown: str = ""
    ) -> Built:
        self._count += 1
        marker = f"{MARKER_PREFIX}{self._count}__"
        written = shown or ast.unparse(node)
        out = Built(markers={marker: f"{{{written}}}" if braces else written})
        out.add_text(marker, at or start_of(self.lines, node))
        return out

    # -- formatting ------------------------------------------------------------------

    def _percent(self, template: Built, args: ast.expr) -> Built:
        """`template % args`: each conversion becomes a marker for the value it takes."""
        values = list(args.elts) if isinstance(args, ast.Tuple) else [args]
        specs = [m for m in _PERCENT.finditer(template.text) if m.group() != "%%"]
        positional = len(specs) == len(values) and all(m.group(1) is None for m in specs)
        out = Built(
            markers=dict(template.markers), literals=set(template.literals), start=template.start
        )
        pos, n = 0, 0
        for m in _PERCENT.finditer(template.text):
            out.text += template.text[pos : m.start()]
            out.positions.extend(template.positions[pos : m.start()])
            at = template.positions[m.start()]
            if m.group() == "%%":
                out.add_text("%", at)
            else:
                node = values[n] if positional else args
                shown = ast.unparse(node) if positional else m.group()
                out.add(self._marker(node, at, shown=shown))
                n += 1
            pos = m.end()
        out.text += template.text[pos:]
        out.positions.extend(template.positions[pos:])
        return out

    def _call(self, node: ast.Call, depth: int) -> Built | None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "SQL" and node.args:  # psycopg sql.SQL(template), not formatted here
            template = self.build(node.args[0], depth + 1)
            return None if template is None else self._fields(template, node, [], {}, False)
        if name == "format" and isinstance(func, ast.Attribute):
            target = func.value
            composed = isinstance(target, ast.Call) and _name(target.func) == "SQL"
            if isinstance(target, ast.Name):
                resolved = self.resolve(target.id, target)
                composed = isinstance(resolved, ast.Call) and _name(resolved.func) == "SQL"
                target = resolved if composed else target
            template = self.build(
                target.args[0] if composed and target.args else target,  # type: ignore[union-attr]
                depth + 1,
            )
            if template is None:
                return None
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            return self._fields(template, node, node.args, keywords, composed)
        return None

    def _fields(
        self,
        template: Built,
        call: ast.Call,
        args: list[ast.expr],
        keywords: dict[str, ast.expr],
        composed: bool,
    ) -> Built:
        """The `{}` / `{0}` / `{name}` fields of a format template filled in."""
        out = Built(
            markers=dict(template.markers), literals=set(template.literals), start=template.start
        )
        pos, auto = 0, 0
        for m in _FORMAT_FIELD.finditer(template.text):
            out.text += template.text[pos : m.start()]
            out.positions.extend(template.positions[pos : m.start()])
            at = template.positions[m.start()]
            pos = m.end()
            if m.group(1) is None:  # `{{` or `}}`
                out.add_text(m.group()[0], at)
                continue
            key = re.split(r"[!:.\[]", m.group(1), maxsplit=1)[0]
            if key == "":
                key, auto = str(auto), auto + 1
            arg = args[int(key)] if key.isdigit() and int(key) < len(args) else keywords.get(key)
            if arg is None:
                out.add(self._marker(call, at, shown=m.group()))
            elif composed:
                out.add(self._composable(arg, at))
            else:
                out.add(self._marker(arg, at, braces=True))
        out.text += template.text[pos:]
        out.positions.extend(template.positions[pos:])
        return out

    def _composable(self, arg: ast.expr, at: Position) -> Built:
        """What a psycopg composable argument of `SQL.format` renders to."""
        kind = _name(arg.func) if isinstance(arg, ast.Call) else ""
        call_args = arg.args if isinstance(arg, ast.Call) else []
        constant = all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call_args)
        if kind == "Identifier" and call_args and constant:
            names = [a.value for a in call_args]  # type: ignore[attr-defined]
            out = Built()
            out.add_text(".".join('"' + n.replace('"', '""') + '"' for n in names), at)
            return out
        if kind == "SQL" and len(call_args) == 1:
            inner = self.build(call_args[0])
            if inner is not None:
                return inner
        if kind == "Placeholder" and constant and len(call_args) <= 1:
            out = Built()
            out.add_text(f"%({call_args[0].value})s" if call_args else "%s", at)  # type: ignore[attr-defined]
            return out
        return self._marker(arg, at)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def dynamic_names(
    tree: exp.Expression | None,
    text: str,
    markers: dict[str, str],
    is_tenant: Callable[[exp.Table], bool],
) -> ParseProblem | None:
    """Why a parsed statement composed in Python cannot be analysed: a marker stands
    where a table name goes, or in the column list of an INSERT into a tenant table."""
    if tree is None:
        return None
    for node in tree.find_all(exp.Table, exp.Schema):
        if isinstance(node, exp.Table):
            parts = (node.args.get("catalog"), node.args.get("db"), node.args.get("this"))
            names = [p.this for p in parts if isinstance(p, exp.Identifier)]
            what, why = "a table name", "which table it reads cannot be checked"
        elif isinstance(node.parent, exp.Insert) and isinstance(node.this, exp.Table):
            if not is_tenant(node.this):
                continue
            names = [c.name for c in node.expressions]
            what, why = "the INSERT's column list", "whether it sets the tenant cannot be checked"
        else:
            continue
        for name in names:
            for marker, shown in markers.items():
                if marker in name.lower():
                    return ParseProblem(
                        f"{what} comes from Python ({shown}), so {why}",
                        max(text.find(marker), 0),
                        dynamic=True,
                    )
    return None
