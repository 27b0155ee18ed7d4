"""The lint allocates a parse tree per statement and drops it at once; sqlglot trees are
cyclic (each node points to its parent), so only the garbage collector frees them. With
CPython's default threshold (700 allocations) it runs every few statements and promotes
the tree being analysed to older generations, whose collections scan the whole heap.
While the lint runs, the first generation is collected every YOUNG allocations instead:
each collection frees many trees at once and few live ones grow old. About a tenth of
the lint's time; the memory held by garbage stays bounded (a few tens of MB at most)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """The default thresholds back on leaving, also after an error."""
    old = gc.get_threshold()
    if old[0] == 0 or old[0] >= YOUNG:  # disabled or already relaxed: leave it be
        yield
        return
    gc.set_threshold(YOUNG, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
