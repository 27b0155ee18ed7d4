"""What the bulk load reports: rows per table, timings, and the digest of its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import TableSample


@dataclass(frozen=True, slots=True)
class TableVolume:
    table: str
    rows: int
    error: str | None = None


@dataclass(frozen=True)
class VolumeReport:
    tables: tuple[TableVolume, ...]
    samples: tuple[TableSample, ...]
    tenants: int
    rows: int
    """Rows written to tenant tables (the target size)."""
    extra_rows: int
    """Rows of the tenant root and of shared parents such as auth.users."""
    generate_s: float
    """Python time spent generating and formatting rows (overlaps the COPY)."""
    load_s: float
    """Wall time from the first COPY to the commit."""
    analyze_s: float
    digest: str
    rebuild_s: float = 0.0
    """Part of `load_s`: re-creating the keys and indexes dropped for the load."""

    @property
    def rows_per_second(self) -> float:
        total = self.rows + self.extra_rows
        return total / self.load_s if self.load_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenants": self.tenants,
            "rows": self.rows,
            "extra_rows": self.extra_rows,
            "generate_s": round(self.generate_s, 3),
            "load_s": round(self.load_s, 3),
            "analyze_s": round(self.analyze_s, 3),
            "rebuild_s": round(self.rebuild_s, 3),
            "rows_per_second": round(self.rows_per_second),
            "digest": self.digest,
            "tables": {t.table: t.error or t.rows for t in self.tables},
        }
