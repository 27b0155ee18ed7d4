"""pgTAP test files: a header saying what they pin down, a plan, the tests, a rollback.

Each file runs in one transaction that is rolled back, so running the suite leaves
nothing behind; `pg_prove -d DB DIR/*.sql` and `supabase test db` both run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STRUCTURE_FILE = "rls_structure.test.sql"
ACCESS_FILE = "rls_access.test.sql"


@dataclass(frozen=True, slots=True)
class TapFile:
    name: str
    purpose: str
    tests: tuple[str, ...]
    setup: tuple[str, ...] = ()
    """Statements run after plan() and before the tests (seed rows, helper function)."""

    def render(self, header: str) -> str:
        lines = [
            f"-- {self.name}: {self.purpose}",
            *(f"-- {line}" if line else "--" for line in header.splitlines()),
            "",
            "BEGIN;",
            "CREATE EXTENSION IF NOT EXISTS pgtap;",
            "SET LOCAL statement_timeout = '30s';",
            "SET LOCAL lock_timeout = '5s';",
            f"SELECT plan({len(self.tests)});",
            "",
            *self.setup,
            "",
            *self.tests,
            "",
            "SELECT * FROM finish();",
            "ROLLBACK;",
        ]
        return "\n".join(lines) + "\n"


def write_files(directory: Path, files: list[TapFile], header: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        path = directory / f.name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(f.render(header), "utf-8")
        tmp.replace(path)
        written.append(path)
    return written
