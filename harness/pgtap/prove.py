"""Run a pgTAP suite and read its TAP output: with `pg_prove` when it is installed, else
statement by statement over psycopg (the embedded server has no psql and no pg_prove).

Both paths report the same thing: how many tests ran and which failed, by description.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..sqlsplit import split_statements

_RESULT = re.compile(r"^\s*(not ok|ok)\s+(\d+)(?:\s*-\s*(.*))?$")
_PLAN = re.compile(r"^\s*1\.\.(\d+)")
_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE",
        "password": "PGPASSWORD"}  # fmt: skip


@dataclass(frozen=True)
class TapResult:
    planned: int
    passed: int
    failed: tuple[str, ...]
    """Descriptions of the failing tests."""
    runner: str
    output: str = field(repr=False, default="")

    @property
    def ok(self) -> bool:
        return not self.failed and self.passed == self.planned


def parse_tap(lines: Iterable[str]) -> tuple[int, int, list[str]]:
    """(planned, passed, failed descriptions) from TAP lines; several plans add up."""
    planned = passed = 0
    failed: list[str] = []
    for line in lines:
        if m := _PLAN.match(line):
            planned += int(m.group(1))
        elif m := _RESULT.match(line):
            if m.group(1) == "ok":
                passed += 1
            else:
                failed.append(m.group(3) or f"test {m.group(2)}")
    return planned, passed, failed


def run_suite(conninfo: str, files: Sequence[Path], *, prefer_pg_prove: bool = True) -> TapResult:
    if prefer_pg_prove and shutil.which("pg_prove"):
        return _pg_prove(conninfo, files)
    return _psycopg(conninfo, files)


def _pg_prove(conninfo: str, files: Sequence[Path]) -> TapResult:
    env = dict(os.environ)
    for key, value in conninfo_to_dict(conninfo).items():
        if key in _ENV and value is not None:
            env[_ENV[key]] = str(value)
    cmd = ["pg_prove", "--verbose", *map(str, files)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    planned, passed, failed = parse_tap(output.splitlines())
    if proc.returncode != 0 and not failed:
        failed = [f"pg_prove exited {proc.returncode}: {output.strip()[-300:]}"]
    return TapResult(planned, passed, tuple(failed), "pg_prove", output)


def _psycopg(conninfo: str, files: Sequence[Path]) -> TapResult:
    lines: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for path in files:
            for stmt in split_statements(path.read_text("utf-8")):
                try:
                    cur = conn.execute(stmt.text)
                except psycopg.Error as exc:
                    lines.append(f"not ok 0 - {path.name}:{stmt.line}: {exc}".splitlines()[0])
                    conn.execute("rollback")
                    break
                if cur.description:
                    lines += [str(v) for row in cur.fetchall() for v in row]
    text = "\n".join(lines)
    planned, passed, failed = parse_tap(text.splitlines())
    return TapResult(planned, passed, tuple(failed), "psycopg", text)
