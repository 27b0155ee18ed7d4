"""Hypothesis strategies for rows, derived from the catalog: types, NOT NULL, defaults, CHECK.

Each column gets a *plan*: how its values are made. Text carries its tenant's canary;
a CHECK that rejects the canary form makes the column fall back to the literals or the
pattern the constraint names (`status IN (...)`, `email ~ '...'`), learnt from the error.
Foreign keys and the tenant key are filled in by the population, not here.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ..catalog import Column, Constraint

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
BASE_DATE = date(2024, 1, 1)
UNSUPPORTED = "unsupported"
_LEN = re.compile(r"\((\d+)(?:,\s*(\d+))?\)")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_NUMBER = re.compile(r"(?<![\w.'])-?\d+(?:\.\d+)?(?![\w.'])")
_REGEX = re.compile(r"~\*?\s*'((?:[^']|'')*)'")
TEXT_TYPES = {"text", "varchar", "bpchar", "citext", "name"}
INT_TYPES = {"int2", "int4", "int8"}
# Shared base strategies: building a strategy has a cost, mapping a built one hardly any.
NOISE = st.text(ALPHABET, min_size=0, max_size=3)
SMALL = st.integers(1, 9)
DAYS = st.integers(0, 30)
HOURS = st.integers(0, 30 * 24)
SALT = st.integers(0, 1 << 32)
OCTET = st.integers(1, 254)


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A column type resolved on the server: base type (domains unwrapped), category."""

    base: str
    category: str
    labels: tuple[str, ...] = ()
    element: str | None = None


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    column: Column
    info: TypeInfo
    mode: str = "auto"
    """auto (canary text / small values), literal, email, regex, null."""
    literals: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()
    pattern: str | None = None
    unique: bool = False

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def max_len(self) -> int | None:
        m = _LEN.search(self.column.type)
        return int(m.group(1)) if m and self.info.base in TEXT_TYPES else None

    @property
    def is_text(self) -> bool:
        return self.info.base in TEXT_TYPES

    def fallbacks(self) -> list[str]:
        """Modes to try, in order, when a CHECK constraint rejects this column's values."""
        order = []
        if self.literals and (self.is_text or self.info.category in "NE"):
            order.append("literal")
        if self.numbers:
            order.append("number")
        if self.is_text:
            order += ["email", "regex"] if self.pattern else ["email"]
        if not self.column.not_null:
            order.append("null")
        return [m for m in order if m != self.mode]


def plan_column(column: Column, info: TypeInfo, constraints: tuple[Constraint, ...]) -> ColumnPlan:
    literals: list[str] = []
    numbers: list[float] = []
    pattern = None
    unique = False
    for c in constraints:
        if column.name not in c.columns:
            continue
        if c.type in ("unique", "primary key"):
            unique = True
        if c.type != "check":
            continue
        text = c.definition
        literals += [s.replace("''", "'") for s in _QUOTED.findall(text)]
        bare = _QUOTED.sub("''", text)
        numbers += [float(n) for n in _NUMBER.findall(bare)]
        if (m := _REGEX.search(text)) is not None:
            pattern = m.group(1).replace("''", "'")
    candidates = sorted({v for n in numbers for v in (n, n + 1)})
    return ColumnPlan(
        column=column,
        info=info,
        literals=tuple(dict.fromkeys(literals)) or info.labels,
        numbers=tuple(candidates),
        pattern=pattern,
        unique=unique,
    )


def wanted(plan: ColumnPlan, *, key: bool) -> bool:
    """Whether the population sets this column (else the default or NULL applies)."""
    col = plan.column
    if col.is_generated or col.identity == "always":
        return False
    if key:
        return True
    if plan.mode == "null":
        return False
    if plan.is_text:
        return plan.mode != "auto" or col.default is None
    if plan.mode != "auto":
        return True
    return col.not_null and col.default is None


def canary_text(marker: str, serial: int, noise: str, max_len: int | None) -> str:
    value = f"{marker}-{serial:x}-{noise}" if noise else f"{marker}-{serial:x}"
    if max_len is None or len(value) <= max_len:
        return value
    short = f"{marker}{serial:x}"
    return short[:max_len] if len(short) <= max_len else f"{serial:x}"[-max_len:]


Finish = Callable[[Any, str, int], Any]
"""Turns a base value into the column's value for a tenant's canary marker and a serial."""


@dataclass(frozen=True, slots=True)
class ValueParts:
    """A column's values: a base strategy that knows nothing of tenants, a seeded sampler
    of the same base values (None: sample the strategy's examples), and `finish`."""

    base: st.SearchStrategy[Any]
    sample: Callable[[random.Random], Any] | None
    finish: Finish


def _same(value: Any, _marker: str, _serial: int) -> Any:
    return value


def _choice(options: tuple[Any, ...] | list[Any]) -> tuple[st.SearchStrategy[Any], Any]:
    items = list(options)
    return st.sampled_from(items), lambda rng: rng.choice(items)


def _ints(lo: int, hi: int) -> tuple[st.SearchStrategy[int], Any]:
    return st.integers(lo, hi), lambda rng: rng.randint(lo, hi)


def value_parts(plan: ColumnPlan) -> ValueParts:
    """How values of one column are made; see `value_strategy` for what they are."""
    base, mode = plan.info.base, plan.mode
    if mode == "null":
        return ValueParts(st.none(), lambda rng: None, _same)
    if mode == "literal" and plan.literals:
        return ValueParts(*_choice(plan.literals), _same)
    if mode == "number" and plan.numbers:
        nums = plan.numbers
        if base in INT_TYPES:
            return ValueParts(*_choice(sorted({int(n) for n in nums})), _same)
        return ValueParts(*_choice(nums), _same)
    if base in TEXT_TYPES:
        if mode == "email":
            return ValueParts(st.none(), lambda rng: None, _email)
        if mode == "regex" and plan.pattern:
            try:
                regex = st.from_regex(plan.pattern, fullmatch=True, alphabet=ALPHABET + "#@.-_")
            except Exception:  # a POSIX class Python's re does not know
                regex = st.nothing()
            return ValueParts(regex, None, _same)
        limit = plan.max_len
        return ValueParts(
            NOISE,
            lambda rng: "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3))),
            lambda n, m, s: canary_text(m, s, n, limit),
        )
    if base == "uuid":  # Hypothesis repeats values on purpose: the serial keeps keys unique
        name = plan.name
        return ValueParts(
            SALT, lambda rng: rng.randint(0, 1 << 32), lambda n, m, s: _uuid(f"{m}:{s}:{name}:{n}")
        )
    if base in INT_TYPES:
        if plan.unique:
            return ValueParts(st.none(), lambda rng: None, lambda _v, _m, s: s)
        return ValueParts(*_ints(1, 9), _same)
    if base in ("numeric", "float4", "float8"):
        return ValueParts(*_ints(1, 9), _same)
    if base == "bool":
        return ValueParts(*_choice((False, True)), _same)
    if base == "date":
        offset = plan.column.attnum * 40
        return ValueParts(*_ints(0, 30), lambda d, _m, _s: BASE_DATE + timedelta(days=offset + d))
    if base in ("timestamptz", "timestamp"):
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=plan.column.attnum * 40)
        naive = base == "timestamp"

        def moment(h: int, _m: str, _s: int) -> datetime:
            value = start + timedelta(hours=h)
            return value.replace(tzinfo=None) if naive else value

        return ValueParts(*_ints(0, 30 * 24), moment)
    if base in ("jsonb", "json"):
        return ValueParts(
            st.none(), lambda rng: None, lambda _v, m, s: _json({"canary": f"{m}-{s:x}"})
        )
    if base == "inet":
        return ValueParts(*_ints(1, 254), lambda n, _m, _s: f"10.0.0.{n}")
    if plan.info.category == "A":
        if plan.info.element in TEXT_TYPES:
            return ValueParts(st.none(), lambda rng: None, lambda _v, m, s: [f"{m}-{s:x}"])
        return ValueParts(st.none(), lambda rng: None, lambda _v, _m, _s: [])
    if plan.info.category == "E" and plan.info.labels:
        return ValueParts(*_choice(plan.info.labels), _same)
    if base == "bytea":
        return ValueParts(st.none(), lambda rng: None, lambda _v, m, s: f"{m}-{s:x}".encode())
    if base == "interval":
        return ValueParts(st.none(), lambda rng: None, lambda _v, _m, _s: timedelta(days=1))
    if base == "time":
        return ValueParts(st.none(), lambda rng: None, lambda _v, _m, _s: "12:00")
    return ValueParts(st.nothing(), None, _same)


def _email(_value: Any, marker: str, serial: int) -> str:
    return f"{marker}.{serial:x}@{marker}.example"


def value_strategy(plan: ColumnPlan, marker: str, serial: int) -> st.SearchStrategy[Any]:
    """Values for one column of one row of the tenant with this canary marker."""
    parts = value_parts(plan)
    return parts.base.map(lambda v: parts.finish(v, marker, serial))


def _uuid(text: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha1(text.encode()).digest()[:16], version=4))


def _json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def supported(plan: ColumnPlan) -> bool:
    return not value_strategy(plan, "zq000000", 1).is_empty


def with_mode(plan: ColumnPlan, mode: str) -> ColumnPlan:
    return replace(plan, mode=mode)
