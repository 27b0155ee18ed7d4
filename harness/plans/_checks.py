"""What a table's CHECK constraints ask of generated values, read from their definitions.

Only the shapes schemas actually use are understood: `col = ANY (ARRAY['a', ...])` (IN
lists), numeric bounds, `a > b` between two columns, `col IS NOT NULL`. A column in any
other CHECK is left to its default or NULL where it may be; the load reports a table whose
rows it still cannot satisfy, never hides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog, Table

_IN_LIST = re.compile(r"\(?(\w+)\)?(?:::[\w ]+)? = ANY \(\(?ARRAY\[(.*)\]")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_BOUND = re.compile(
    r"(?<![\w.])(\w+) (>=|>|<=|<) '?(-?\d+(?:\.\d+)?)'?(?:::[a-z]+(?: precision)?)?(?![\w-])"
)
_ORDER = re.compile(r"^\(?(\w+) (>=|>) (\w+)\)?$")
_NOT_NULL = re.compile(r"(\w+) IS NOT NULL")


@dataclass
class Hints:
    """Per column: allowed values, numeric bounds, a column it must exceed."""

    constrained: set[str] = field(default_factory=set)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    low: dict[str, float] = field(default_factory=dict)
    high: dict[str, float] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    """column -> the column its value must be greater than."""
    wanted: set[str] = field(default_factory=set)
    """Nullable columns a CHECK wants filled (`a IS NOT NULL OR b IS NOT NULL`)."""


def _body(definition: str) -> str:
    text = definition.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    if text.endswith(" NOT VALID"):
        text = text[: -len(" NOT VALID")]
    return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text


def table_hints(catalog: Catalog, table: Table) -> Hints:
    hints = Hints()
    columns = {c.name for c in table.columns}
    for c in catalog.constraints_on(table):
        if c.type != "check":
            continue
        hints.constrained.update(c.columns)
        body = _body(c.definition)
        if (m := _IN_LIST.search(body)) and len(c.columns) == 1:
            values = tuple(v.replace("''", "'") for v in _QUOTED.findall(m.group(2)))
            if values:
                hints.choices[c.columns[0]] = values
            continue
        if (m := _ORDER.match(body)) and m.group(1) in columns and m.group(3) in columns:
            hints.after[m.group(1)] = m.group(3)
            continue
        hints.wanted.update(n for n in _NOT_NULL.findall(body) if n in columns)
        if " OR " in body:
            continue
        for name, op, value in _BOUND.findall(body):
            if name not in columns:
                continue
            number = float(value)
            if op.startswith(">"):
                low = number + (op == ">")
                hints.low[name] = max(hints.low.get(name, low), low)
            else:
                high = number - (op == "<")
                hints.high[name] = min(hints.high.get(name, high), high)
    return hints
