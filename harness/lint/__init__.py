"""Query lint: every tenant table in application SQL restricted by tenant.

Library entry points (offline, no database needed):

- `lint_paths(paths, tenant_tables=...) -> list[Finding]`: .sql files, .py files (SQL
  literals passed to execute/SQL()/text()) and directories walked recursively.
- `lint_sql(text, tenant_tables=..., path=...) -> list[Finding]`: one SQL text.
- `lint_catalog(catalog) -> list[Finding]`: the views, materialized views and SQL or
  PL/pgSQL functions of a catalog snapshot (the same engine inside the full audit).
- `tenant_tables_from_ddl(paths)` / `TenantTables.from_catalog(catalog)`: which tables
  are tenant tables, from migrations or from a live catalog.

Findings carry `location` (file, line, column of the offending table reference) and
`suppressed` (the reason) for statements covered by `-- rls-audit: ignore[RLS301] why`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..findings.check import Check
from ..findings.model import Finding
from .ddl import tenant_tables_from_ddl
from .tenants import TenantTable, TenantTables

if TYPE_CHECKING:
    from ..catalog import Catalog

__all__ = [
    "TenantTable",
    "TenantTables",
    "get_lint_rules",
    "lint_catalog",
    "lint_paths",
    "lint_sql",
    "tenant_tables_from_ddl",
]


def get_lint_rules() -> list[type[Check]]:
    """The query lint rules, RLS301..RLS304, imported lazily (sqlfluff `get_rules`)."""
    from .rls301_missing_tenant_predicate import MissingTenantPredicate
    from .rls302_insert_without_tenant import InsertWithoutTenant
    from .rls303_unparseable_statement import UnparseableStatement
    from .rls304_invalid_suppression import InvalidSuppression

    return [MissingTenantPredicate, InsertWithoutTenant, UnparseableStatement, InvalidSuppression]


def lint_paths(paths: Iterable[Path | str], *, tenant_tables: TenantTables) -> list[Finding]:
    """Lint files and directories; findings sorted, suppressed ones kept and marked.

    Raises `harness.errors.ConfigError` for a path that does not exist or cannot be read."""
    from .engine import Linter

    return Linter(tenant_tables).lint_paths(paths).findings


def lint_sql(text: str, *, tenant_tables: TenantTables, path: str = "<sql>") -> list[Finding]:
    """Lint one SQL text (many statements allowed); locations use `path`."""
    from .engine import Linter

    return Linter(tenant_tables).lint_text(text, path)


def lint_catalog(catalog: Catalog, *, tenant_tables: TenantTables | None = None) -> list[Finding]:
    """Lint the SQL a database itself holds: view and materialized view queries, and the
    bodies of SQL and PL/pgSQL functions and procedures outside the system schemas."""
    from .catalog_sources import catalog_sources
    from .engine import Linter

    tenants = tenant_tables or TenantTables.from_catalog(catalog)
    linter = Linter(tenants)
    findings: list[Finding] = []
    for source in catalog_sources(catalog):
        findings.extend(linter.lint_file(source.path, [source]))
    return findings
