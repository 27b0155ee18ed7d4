"""The lint over several processes: files, and slices of large .sql files, shared out.

Each worker holds its own `Linter`. A file is linted whole by one worker, exactly as a
serial run lints it; a large .sql file is cut into slices of statements, each worker
counting the statements before its slice (their ordinals make fingerprints) without
parsing them, and the parent applies the file's suppressions to the slices' findings in
order. The findings are then the same, in the same order, as those of a serial run.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AuditError
from ..findings.model import Finding, sort_findings
from .engine import Linter, LintResult
from .gctune import relaxed_gc
from .sources import Source, sources_of, walk
from .split import Chunk, split_chunks
from .tenants import TenantTables

AUTO_STATEMENTS = 300
"""Above about this many statements (or AUTO_FILES inputs) `--jobs auto` uses every CPU:
below it, starting the workers costs more than they save."""
AUTO_FILES = 50
BYTES_PER_STATEMENT = 150
"""For the estimate of `auto`, made from file sizes before anything is read."""
SLICE_BYTES = 64_000
"""A .sql file at least this large is cut into slices."""
MIN_SLICE = 100
"""Statements (chunks) per slice, at least."""

_linter: Linter | None = None


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def auto_jobs(files: list[Path], extra: list[Source]) -> int:
    """Every CPU for a large input, one process for a small one."""
    n = cpus()
    if n <= 1:
        return 1
    size = 0
    for path in files:
        with contextlib.suppress(OSError):  # reported by the lint itself
            size += path.stat().st_size
    statements = size // BYTES_PER_STATEMENT + len(extra)
    many = len(files) + len(extra) >= AUTO_FILES or statements >= AUTO_STATEMENTS
    return n if many else 1


@dataclass
class _Split:
    """A .sql file linted in slices: its source, chunks and the units of its slices."""

    source: Source
    chunks: list[Chunk]
    bounds: list[tuple[int, int]]
    """(lo, hi) of each slice in chunks."""
    keys: list[list[str]]
    """The statement keys of each chunk (`Linter.statement_keys`)."""
    units: range = range(0)

    def units_of(self) -> list[tuple[Any, ...]]:
        """One unit per slice: its chunks, their first index and, for each statement
        text of the slice, how many times it occurs before the slice."""
        units: list[tuple[Any, ...]] = []
        before: Counter[str] = Counter()
        for lo, hi in self.bounds:
            mine = {k for keys in self.keys[lo:hi] for k in keys}
            seen = Counter({k: before[k] for k in mine if before[k]})
            units.append(("slice", self.source, self.chunks[lo:hi], lo, seen))
            for keys in self.keys[lo:hi]:
                before.update(keys)
        return units


def lint_parallel(
    tenants: TenantTables,
    paths: Iterable[Path | str],
    extra: Iterable[Source] = (),
    jobs: int | None = None,
) -> LintResult:
    """`Linter(tenants).lint_paths(paths, extra)` over `jobs` processes (None: auto)."""
    files = list(walk(paths))
    extras = list(extra)
    jobs = auto_jobs(files, extras) if jobs is None else jobs
    if jobs <= 1:
        return Linter(tenants).lint_paths(files, extras)
    parent = Linter(tenants)
    units: list[tuple[Any, ...]] = []
    plan: list[int | _Split] = []  # per input: its unit, or its slices
    for path in files:
        split = _split(path, jobs, parent)
        if split is None:
            plan.append(len(units))
            units.append(("path", str(path)))
        else:
            split.units = range(len(units), len(units) + len(split.bounds))
            plan.append(split)
            units.extend(split.units_of())
    for source in extras:
        plan.append(len(units))
        units.append(("source", source))
    if len(units) < 2:  # one file, too small to cut: nothing to share out
        return parent.lint_paths(files, extras)
    chunksize = max(1, len(units) // (jobs * 8))
    try:
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(units)), initializer=_init, initargs=(tenants,)
        ) as pool:
            results = list(pool.map(_run, units, chunksize=chunksize))
    except BrokenProcessPool:
        raise AuditError(
            "lint: a worker process died (out of memory?)", hint="run with --jobs 1"
        ) from None
    findings: list[Finding] = []
    statements = 0
    for entry in plan:
        if isinstance(entry, int):
            findings.extend(_result(results[entry]))
            statements += results[entry][2]
            continue
        raw = [f for unit in entry.units for f in _result(results[unit])]
        statements += sum(results[unit][2] for unit in entry.units)
        findings.extend(parent.finish_source(entry.source, entry.chunks, raw, [], set(), set()))
    return LintResult(sort_findings(findings), tenants, len(files) + len(extras), statements)


def _split(path: Path, jobs: int, linter: Linter) -> _Split | None:
    """Slices for a large .sql file, None to lint it whole."""
    if path.suffix != ".sql":
        return None
    try:
        if path.stat().st_size < SLICE_BYTES:
            return None
    except OSError:
        return None  # the worker reports it as a serial run would
    (source,) = sources_of(path)
    chunks = list(split_chunks(source.text))
    slices = min(jobs * 4, len(chunks) // MIN_SLICE)
    if slices < 2:
        return None
    step = -(-len(chunks) // slices)
    bounds = [(lo, min(lo + step, len(chunks))) for lo in range(0, len(chunks), step)]
    return _Split(source, chunks, bounds, linter.statement_keys(source, chunks))


def _result(result: tuple[str, Any, int]) -> Any:
    status, value, _ = result
    if status == "error":
        raise value
    return value


def _init(tenants: TenantTables) -> None:
    global _linter
    _linter = Linter(tenants)


def _run(unit: tuple[Any, ...]) -> tuple[str, Any, int]:
    """One unit in a worker: (status, findings or raw findings or the error, statements)."""
    linter = _linter
    assert linter is not None
    before = linter.statements
    try:
        kind = unit[0]
        if kind == "path":
            found: Any = linter.lint_file(unit[1], sources_of(Path(unit[1])))
        elif kind == "source":
            found = linter.lint_file(unit[1].path, [unit[1]])
        else:
            _, source, chunks, first, seen = unit
            with relaxed_gc():
                found = linter.raw_findings(source, chunks, seen, first)
    except AuditError as exc:
        return "error", exc, 0
    return "ok", found, linter.statements - before
