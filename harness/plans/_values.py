"""Column values in COPY text format, a whole column at a time.

A stand-in for the probes' row strategies until they land: values come from the column's
type and the CHECK hints, deterministic for the caller's `random.Random`. Whole columns
are built with list comprehensions over one C-level random call (`randbytes`) and
precomputed pools, because the load must keep up with `pgbench -i`.
"""

from __future__ import annotations

import array
import datetime as dt
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product

NULL = "\\N"
DAY = 86_400
SPAN_DAYS = 3 * 365
"""Generated instants fall in three years; `a > b` adds up to a year on top."""
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TYPMOD = re.compile(r"\((\d+)(?:,(\d+))?\)")

POOL = 10_000
"""Distinct values of a random numeric column; enough for realistic statistics."""
Values = list[str]
Gen = Callable[[random.Random, int, int], Values]
"""(rng, how many, row number of the first) -> COPY text values."""


def escape(value: str) -> str:
    return value.translate(_ESCAPES)


@dataclass(frozen=True, slots=True)
class TypeInfo:
    kind: str
    """uuid text int numeric float bool date timestamp timestamptz time json array inet
    interval bytea enum, or unknown."""
    length: int | None = None
    scale: int | None = None
    labels: tuple[str, ...] = ()
    bits: int = 31


_KINDS = {
    "uuid": "uuid", "text": "text", "character varying": "text", "character": "text",
    "varchar": "text", "citext": "text", "name": "text", "smallint": "int", "integer": "int",
    "bigint": "int", "numeric": "numeric", "real": "float", "double precision": "float",
    "money": "numeric", "boolean": "bool", "date": "date",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "time with time zone": "time", "json": "json",
    "jsonb": "json", "inet": "inet", "cidr": "inet", "interval": "interval", "bytea": "bytea",
}  # fmt: skip
_BITS = {"smallint": 15, "integer": 31, "bigint": 63}


def classify(type_text: str) -> TypeInfo:
    """A column type as `format_type` prints it; `unknown` for user-defined types."""
    if type_text.endswith("[]"):
        return TypeInfo("array")
    base = _TYPMOD.sub("", type_text).strip()
    kind = _KINDS.get(base, "unknown")
    m = _TYPMOD.search(type_text)
    length = int(m.group(1)) if m and kind == "text" else None
    scale = int(m.group(2)) if m and m.group(2) and kind == "numeric" else None
    return TypeInfo(kind, length=length, scale=scale, bits=_BITS.get(base, 31))


def uints(rng: random.Random, n: int) -> array.array[int]:
    """`n` random unsigned 32-bit integers from one C call; `v % m` picks from m items.
    Read little-endian everywhere, so a seed gives the same values on any machine."""
    out = array.array("I", rng.randbytes(4 * n))
    if sys.byteorder == "big":
        out.byteswap()
    return out


def pick(rng: random.Random, pool: Sequence[str], n: int) -> Values:
    m = len(pool)
    return [pool[v % m] for v in uints(rng, n)]


@cache
def _dates() -> tuple[str, ...]:
    start = dt.date(2022, 1, 1)
    return tuple((start + dt.timedelta(days=d)).isoformat() for d in range(SPAN_DAYS + 400))


@cache
def _times(suffix: str) -> tuple[str, ...]:
    """Times of day with the separator before them and the zone after: ` 13:05:09+00`."""
    sixty = [f"{i:02d}" for i in range(60)]
    return tuple(f" {h}:{m}:{s}{suffix}" for h, m, s in product(sixty[:24], sixty, sixty))


def instants(rng: random.Random, n: int) -> list[int]:
    """Seconds since the start of the generated period."""
    span = SPAN_DAYS * DAY
    return [v % span for v in uints(rng, n)]


def later(rng: random.Random, base: list[int]) -> list[int]:
    """Instants each at least a day after the matching one of `base`."""
    return [b + DAY * (1 + v % 364) for b, v in zip(base, uints(rng, len(base)), strict=True)]


def format_instants(kind: str, seconds: list[int]) -> Values:
    dates = _dates()
    if kind == "date":
        return [dates[s // DAY] for s in seconds]
    times = _times("+00" if kind == "timestamptz" else "")
    return [dates[s // DAY] + times[s % DAY] for s in seconds]


def uuids(rng: random.Random, n: int, start: int = 0) -> Values:
    """Random 128-bit values as 32 hex digits, which uuid input accepts."""
    blob = rng.randbytes(16 * n).hex()
    return [blob[i : i + 32] for i in range(0, 32 * n, 32)]


def _prefix(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())[:8] or "v"


def _base36(i: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        i, r = divmod(i, 36)
        out = digits[r] + out
        if i == 0:
            return out


def text(name: str, length: int | None) -> Gen:
    """Distinct non-blank text per row number (so it satisfies any unique key)."""
    prefix = _prefix(name)
    email = "email" in name.lower()
    cap = length or 10_000

    def gen(rng: random.Random, n: int, start: int) -> Values:
        if email and cap >= 24:
            return [f"{prefix}{i}@example.test" for i in range(start, start + n)]
        if cap >= len(prefix) + 8:
            return [f"{prefix}-{i}" for i in range(start, start + n)]
        return [_base36(i)[-cap:] for i in range(start, start + n)]

    return gen


def integers(low: float, high: float, *, unique: bool) -> Gen:
    lo, hi = int(low), int(high)

    pool = [str(v) for v in range(lo, min(hi, lo + POOL) + 1)]

    def gen(rng: random.Random, n: int, start: int) -> Values:
        if unique and lo + start + n - 1 <= hi:
            return [str(lo + i) for i in range(start, start + n)]
        return pick(rng, pool, n)

    return gen


def decimals(low: float, high: float, scale: int) -> Gen:
    step = (high - low) / POOL
    pool = [f"{min(high, low + step * i):.{scale}f}" for i in range(POOL + 1)]

    def gen(rng: random.Random, n: int, start: int) -> Values:
        return pick(rng, pool, n)

    return gen


def choice(values: tuple[str, ...]) -> Gen:
    pool = [escape(v) for v in values]

    def gen(rng: random.Random, n: int, start: int) -> Values:
        return pick(rng, pool, n)

    return gen


def constant(value: str) -> Gen:
    def gen(rng: random.Random, n: int, start: int) -> Values:
        return [value] * n

    return gen


def inets(rng: random.Random, n: int, start: int) -> Values:
    return [f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" for i in range(start, start + n)]


def times(rng: random.Random, n: int, start: int) -> Values:
    return [t[1:] for t in pick(rng, _times(""), n)]


def booleans(rng: random.Random, n: int, start: int) -> Values:
    return pick(rng, ("t", "f"), n)


def for_type(
    name: str,
    info: TypeInfo,
    *,
    low: float | None,
    high: float | None,
    unique: bool,
) -> Gen | None:
    """A generator for a column of this type, None when the type is not understood.

    Temporal kinds (date, timestamp, timestamptz) are built from `instants` by the caller,
    so that one column can be made later than another.
    """
    kind = info.kind
    if kind == "uuid":
        return uuids
    if kind == "text":
        return text(name, info.length)
    if kind == "int":
        top = float(2**info.bits - 1)
        lo = 0.0 if low is None else low
        hi = min(top, lo + 1000 if high is None else high)
        return integers(lo, hi, unique=unique)
    if kind in ("numeric", "float"):
        lo = 0.0 if low is None else low
        hi = lo + 100 if high is None else high
        return decimals(lo, hi, 2 if info.scale is None else info.scale)
    if kind == "enum" and info.labels:
        return choice(info.labels)
    simple: dict[str, Gen] = {
        "bool": booleans,
        "json": constant("{}"),
        "array": constant("{}"),
        "inet": inets,
        "interval": constant("1 day"),
        "time": times,
        "bytea": constant("\\\\x00"),
    }
    return simple.get(kind)
