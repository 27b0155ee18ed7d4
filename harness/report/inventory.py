"""What the catalog says per table and per function, shaped for a reviewer to read.

Policies are shown as the CREATE POLICY a reviewer would write, grants folded per
grantee, functions with the facts that decide whether they can leak (definer, pinned
search_path, who may execute).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..catalog.model import Catalog, Function, Grant, Policy, Table
from ..findings.model import ObjectRef
from .locations import SourceIndex

if TYPE_CHECKING:
    from ..audit import AuditResult

_PRIVILEGE_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@dataclass(frozen=True, slots=True)
class GrantLine:
    grantee: str
    privileges: str
    api_role: bool


@dataclass(frozen=True, slots=True)
class TableView:
    name: str
    kind: str
    owner: str
    tenant_column: str | None
    rls_enabled: bool
    rls_forced: bool
    policies: tuple[str, ...]
    grants: tuple[GrantLine, ...]
    indexes: tuple[str, ...]
    location: str | None
    findings: int


@dataclass(frozen=True, slots=True)
class FunctionView:
    signature: str
    kind: str
    language: str
    returns: str
    definer: bool
    search_path: str | None
    volatility: str
    leakproof: bool
    owner: str
    executable_by: tuple[str, ...]
    api_callable: bool
    location: str | None


def policy_sql(p: Policy) -> str:
    """The policy as CREATE POLICY text, from the catalog's normalised expressions."""
    kind = "PERMISSIVE" if p.permissive else "RESTRICTIVE"
    roles = ", ".join("PUBLIC" if r == "public" else r for r in p.roles) or "PUBLIC"
    text = f"CREATE POLICY {p.name} ON {p.table_name}\n  AS {kind} FOR {p.command} TO {roles}"
    if p.using:
        text += f"\n  USING ({p.using})"
    if p.with_check:
        text += f"\n  WITH CHECK ({p.with_check})"
    return text + ";"


def fold_grants(grants: tuple[Grant, ...], api_roles: tuple[str, ...]) -> tuple[GrantLine, ...]:
    whole: dict[str, set[str]] = defaultdict(set)
    columns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for g in grants:
        if g.column:
            columns[g.grantee][g.privilege].append(g.column)
        else:
            whole[g.grantee].add(g.privilege)
    lines = []
    for grantee in sorted(set(whole) | set(columns)):
        parts = [p for p in _PRIVILEGE_ORDER if p in whole[grantee]]
        parts += sorted(whole[grantee] - set(_PRIVILEGE_ORDER))
        for privilege, cols in sorted(columns[grantee].items()):
            parts.append(f"{privilege} ({', '.join(sorted(cols))})")
        lines.append(
            GrantLine(grantee, ", ".join(parts), grantee in api_roles or grantee == "PUBLIC")
        )
    return tuple(lines)


def tables(
    result: AuditResult, index: SourceIndex, api_roles: tuple[str, ...], counts: dict[str, int]
) -> list[TableView]:
    catalog = result.catalog
    if catalog is None:
        return []
    return [
        _table(catalog, t, index, api_roles, counts.get(t.qualified_name, 0))
        for t in catalog.tables
        if t.schema in catalog.exposed_schemas
    ]


def _table(
    catalog: Catalog, t: Table, index: SourceIndex, api_roles: tuple[str, ...], findings: int
) -> TableView:
    loc = index.locate(ObjectRef(t.kind, t.schema, t.name))
    return TableView(
        name=t.qualified_name,
        kind=t.kind,
        owner=t.owner,
        tenant_column=t.tenant_column,
        rls_enabled=t.rls_enabled,
        rls_forced=t.rls_forced,
        policies=tuple(policy_sql(p) for p in catalog.policies_for(t)),
        grants=fold_grants(catalog.grants_on(t), api_roles),
        indexes=tuple(i.definition for i in catalog.indexes_on(t)),
        location=str(loc) if loc else None,
        findings=findings,
    )


def functions(
    result: AuditResult, index: SourceIndex, api_roles: tuple[str, ...]
) -> list[FunctionView]:
    if result.catalog is None:
        return []
    return [_function(f, index, api_roles) for f in result.catalog.functions]


def _function(f: Function, index: SourceIndex, api_roles: tuple[str, ...]) -> FunctionView:
    loc = index.locate(ObjectRef("function", f.schema, f.name, f"({f.identity_args})"))
    return FunctionView(
        signature=f.signature,
        kind=f.kind,
        language=f.language,
        returns=("SETOF " if f.returns_set else "") + f.return_type,
        definer=f.security_definer,
        search_path=f.search_path,
        volatility=f.volatility,
        leakproof=f.leakproof,
        owner=f.owner,
        executable_by=f.executable_by,
        api_callable=bool({"PUBLIC", *api_roles}.intersection(f.executable_by)),
        location=str(loc) if loc else None,
    )
