"""Rows of one table in chunks: generated, de-duplicated on unique keys, topped up."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import compress

from . import _values as values
from ._rows import Batch, TableRows

CHUNK_ROWS = 20_000
"""Rows generated and sent per COPY write: the writer thread sends one while the next
is built."""
TOP_UP_ROUNDS = 3
Row = tuple[str, ...]


def batches(rows: TableRows, rng: random.Random, tenants: list[int]) -> Iterator[Batch]:
    """Rows in chunks, without repeats of a unique key; tenants that lost a row to a
    repeat get new rows at the end, for a few rounds."""
    seen: list[set[Row]] = [set() for _ in rows.dedupe]
    start = 0
    pending = tenants
    for _ in range(TOP_UP_ROUNDS + 1):
        dropped: list[int] = []
        for lo in range(0, len(pending), CHUNK_ROWS):
            part = pending[lo : lo + CHUNK_ROWS]
            batch, lost = keep_unique(rows.batch(rng, part, start), rows.dedupe, seen)
            start += len(part)
            dropped += lost
            yield batch
        if not dropped:
            return
        pending = dropped


def interleave(tenants: list[int], rng: random.Random) -> list[int]:
    """The rows' tenants in random order, as rows arrive over time (a C-level sort)."""
    keys = values.uints(rng, len(tenants))
    return [tenants[i] for i in sorted(range(len(tenants)), key=keys.__getitem__)]


def keep_unique(
    batch: Batch, sets: list[tuple[str, ...]], seen: list[set[Row]]
) -> tuple[Batch, list[int]]:
    """The rows whose unique keys are new (a key holding NULL never repeats)."""
    if not sets or not len(batch):
        return batch, []
    keys = [list(zip(*(batch.columns[c] for c in cols), strict=True)) for cols in sets]
    keep = _first_seen(keys[0], seen[0]) if len(sets) == 1 else _first_seen_of_all(keys, seen)
    if all(keep):
        return batch, []
    lost = [t for t, k in zip(batch.tenants, keep, strict=True) if not k]
    columns = {c: list(compress(v, keep)) for c, v in batch.columns.items()}
    return Batch(columns, list(compress(batch.tenants, keep))), lost


def _first_seen(keys: list[Row], known: set[Row]) -> list[bool]:
    """One unique set (the usual case): a plain loop over set membership."""
    keep = []
    append = keep.append
    null = values.NULL
    for key in keys:
        if key in known:
            append(False)
        else:
            if null not in key:
                known.add(key)
            append(True)
    return keep


def _first_seen_of_all(keys: list[list[Row]], seen: list[set[Row]]) -> list[bool]:
    """Several unique sets: a row is kept when none of its keys was seen, and only then
    are its keys remembered."""
    keep = [True] * len(keys[0])
    for i in range(len(keep)):
        row = [k[i] for k in keys]
        if any(
            key in known for key, known in zip(row, seen, strict=True) if values.NULL not in key
        ):
            keep[i] = False
            continue
        for key, known in zip(row, seen, strict=True):
            known.add(key)
    return keep


def concat(batches: list[Batch]) -> Batch:
    if len(batches) == 1:
        return batches[0]
    out = Batch({c: [] for c in batches[0].columns}, [])
    for batch in batches:
        out.tenants.extend(batch.tenants)
        for c, v in batch.columns.items():
            out.columns[c].extend(v)
    return out
