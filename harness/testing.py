"""Helpers to test checks, shared by this project's tests and by users' own.

A case is the sequence flaw -> finding -> fix -> no finding on a real server: its
`setup_sql` runs as the schema owner, the check runs over the catalog snapshot, then the
fix (the findings' own `fix_sql` unless the case gives one) runs and the check runs again.
Everything happens inside one transaction that is rolled back, so one database serves
every case.

Case files are YAML (`tests/cases/rules/RLS001.yml`)::

    rule: RLS001
    cases:
      - name: fail_table_without_rls
        setup_sql: |
          create table public.t (id int, tenant_id uuid);
          grant select on public.t to authenticated;
        expect:
          - object: public.t
            severity: critical        # optional
        fix_sql: findings             # the findings' fix_sql; or SQL text; or omitted
        expect_after_fix: []
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .catalog import Catalog, load_catalog
from .findings.check import Check
from .findings.model import Finding
from .findings.registry import lookup

FROM_FINDINGS = "findings"


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    setup_sql: str = ""
    expect: tuple[dict[str, Any], ...] = ()
    fix_sql: str | None = None
    expect_after_fix: tuple[dict[str, Any], ...] | None = None
    superuser_sql: str = ""
    """Runs before setup_sql as the connecting superuser (FDWs, LEAKPROOF, role attributes)."""
    fix_as_superuser: bool = False
    tenant_column: str = "tenant_id"
    min_server_version: int = 0
    """Skip on older servers (e.g. 170000 for the MAINTAIN privilege)."""
    path: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return f"{self.rule}_{self.name}"


def load_cases(pattern: str | Path, root: Path | None = None) -> list[Case]:
    """Every case of the YAML files matching `pattern` (a glob, relative to `root`)."""
    try:
        import yaml  # needed only to read case files
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("load_cases needs PyYAML: pip install pyyaml") from None

    base = root or Path.cwd()
    cases: list[Case] = []
    for path in sorted(base.glob(str(pattern))):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        rule = data["rule"]
        for raw in data.get("cases", []):
            unknown = set(raw) - (set(Case.__dataclass_fields__) - {"rule", "path"})
            if unknown:
                name = raw.get("name")
                raise ValueError(f"{path}: case {name!r}: unknown keys {sorted(unknown)}")
            after = raw.get("expect_after_fix")
            cases.append(
                Case(
                    rule=rule,
                    name=raw["name"],
                    setup_sql=raw.get("setup_sql", ""),
                    expect=tuple(raw.get("expect") or ()),
                    fix_sql=raw.get("fix_sql"),
                    expect_after_fix=None if after is None else tuple(after),
                    superuser_sql=raw.get("superuser_sql", ""),
                    fix_as_superuser=bool(raw.get("fix_as_superuser", False)),
                    tenant_column=raw.get("tenant_column", "tenant_id"),
                    min_server_version=int(raw.get("min_server_version", 0)),
                    path=path,
                )
            )
    return cases


def _check(check: str | type[Check]) -> type[Check]:
    if isinstance(check, str):
        found = lookup(check)
        if found is None:
            raise LookupError(f"no check {check!r}")
        return found
    return check


@contextmanager
def _as_role(conn: psycopg.Connection[Any], role: str | None) -> Iterator[None]:
    if role:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield
    finally:
        if role and conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            conn.execute("RESET ROLE")


def run_check(
    check: str | type[Check], source: Catalog | psycopg.Connection[Any], *, tenant_column: str
) -> list[Finding]:
    """The findings of one check over a catalog, or over a snapshot of the connection."""
    catalog = (
        source if isinstance(source, Catalog) else load_catalog(source, tenant_column=tenant_column)
    )
    return list(_check(check)().check(catalog))


def findings_for(
    check: str | type[Check],
    source: Catalog | psycopg.Connection[Any],
    setup_sql: str = "",
    *,
    tenant_column: str = "tenant_id",
    owner: str | None = "postgres",
) -> list[Finding]:
    """Run `setup_sql` as `owner` in a rolled-back transaction, then the check."""
    if isinstance(source, Catalog):
        if setup_sql:
            raise ValueError("setup_sql needs a connection, not a Catalog")
        return run_check(check, source, tenant_column=tenant_column)
    with source.transaction(force_rollback=True):
        if setup_sql:
            with _as_role(source, owner):
                source.execute(setup_sql)
        return run_check(check, source, tenant_column=tenant_column)


def objects(findings: Iterable[Finding]) -> set[str]:
    return {str(f.object) for f in findings}


def assert_check_fires(
    check: str | type[Check],
    source: Catalog | psycopg.Connection[Any],
    setup_sql: str = "",
    *,
    objects: Iterable[str] | None = None,
    **kwargs: Any,
) -> list[Finding]:
    """The check reports something; with `objects`, exactly those objects."""
    found = findings_for(check, source, setup_sql, **kwargs)
    assert found, f"{_check(check).id} reported nothing"
    if objects is not None:
        got, want = {str(f.object) for f in found}, set(objects)
        assert got == want, f"{_check(check).id}: reported {sorted(got)}, expected {sorted(want)}"
    return found


def assert_check_silent(
    check: str | type[Check],
    source: Catalog | psycopg.Connection[Any],
    setup_sql: str = "",
    **kwargs: Any,
) -> None:
    found = findings_for(check, source, setup_sql, **kwargs)
    assert not found, f"{_check(check).id} reported {[f.message for f in found]}"


def _assert_expected(case: Case, stage: str, found: list[Finding], expect: Iterable[dict]) -> None:
    want = list(expect)
    got = sorted(objects(found))
    detail = "\n".join(f"  {f.severity.value} {f.object}: {f.message}" for f in found)
    assert got == sorted({str(e["object"]) for e in want}), (
        f"{case.id} ({stage}): reported {got}, expected "
        f"{sorted(str(e['object']) for e in want)}\n{detail}"
    )
    for e in want:
        if "severity" in e:
            sev = {f.severity.value for f in found if str(f.object) == e["object"]}
            assert e["severity"] in sev, f"{case.id} ({stage}): {e['object']} severity {sev}"


def run_case(
    conn: psycopg.Connection[Any], case: Case, *, owner: str = "postgres"
) -> list[Finding]:
    """Flaw -> finding -> fix -> no finding, in a transaction that is rolled back."""
    with conn.transaction(force_rollback=True):
        if case.superuser_sql:
            conn.execute(case.superuser_sql)
        if case.setup_sql:
            with _as_role(conn, owner):
                conn.execute(case.setup_sql)
        found = run_check(case.rule, conn, tenant_column=case.tenant_column)
        _assert_expected(case, "before fix", found, case.expect)
        if case.fix_sql is None and case.expect_after_fix is None:
            return found
        fix = case.fix_sql
        if fix is None or fix.strip() == FROM_FINDINGS:
            fix = "\n".join(f.remediation.fix_sql for f in found if f.remediation.fix_sql)
            assert fix, f"{case.id}: the findings carry no fix_sql"
        with _as_role(conn, None if case.fix_as_superuser else owner):
            conn.execute(fix)
        after = run_check(case.rule, conn, tenant_column=case.tenant_column)
        _assert_expected(case, "after fix", after, case.expect_after_fix or ())
        return found
