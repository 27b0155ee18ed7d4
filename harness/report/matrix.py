"""The access matrix: relation x command x API role, and what each combination reaches.

The probes will say what really happened when tenant A tried each command. Until they
have run, the matrix is derived from the catalog (grants, RLS state, policies, ownership)
and marked "static: from grants", so a reviewer always sees who may do what.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..catalog.model import Catalog, Role, Table

if TYPE_CHECKING:
    from ..audit import AuditResult

COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "FUNCTIONS")
SHORT = {c: c[0] if c != "FUNCTIONS" else "ƒ" for c in COMMANDS}
DEFAULT_API_ROLES = ("authenticated", "anon")
STATIC = "static: from grants"

OUTCOMES = {
    "exposed": "reaches other tenants' rows",
    "review": "allowed with a caveat a reviewer should read",
    "confined": "allowed; row-level security keeps it to the tenant's own rows",
    "shared": "a shared table (no tenant column): the same rows for every tenant",
    "denied": "refused: no privilege, or RLS with no policy for it",
    "inconclusive": "tried, but the probe could not decide",
    "none": "nothing applies",
}
"""Outcomes, worst first. Probe synonyms are mapped: leak -> exposed, isolated -> confined."""

_SYNONYMS = {"leak": "exposed", "isolated": "confined", "error": "inconclusive", "ok": "confined"}


@dataclass(frozen=True, slots=True)
class AccessCell:
    relation: str
    role: str
    command: str
    outcome: str
    detail: str
    source: str = "static"
    """`static` (derived from the catalog) or `probe` (tried on generated data)."""
    sql: str | None = None
    """What the probe ran, when one did."""


@dataclass(frozen=True)
class AccessMatrix:
    source: str
    roles: tuple[str, ...]
    relations: tuple[str, ...]
    cells: dict[tuple[str, str, str], AccessCell] = field(default_factory=dict)
    commands: tuple[str, ...] = COMMANDS

    def cell(self, relation: str, role: str, command: str) -> AccessCell | None:
        return self.cells.get((relation, role, command))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for c in self.cells.values():
            out[c.outcome] = out.get(c.outcome, 0) + 1
        return out


def api_roles(result: AuditResult) -> tuple[str, ...]:
    wanted = tuple(getattr(result.run, "api_roles", None) or DEFAULT_API_ROLES)
    if result.catalog is None or not result.catalog.roles:
        return wanted
    known = {r.name for r in result.catalog.roles}
    return tuple(r for r in wanted if r in known)


def access_matrix(result: AuditResult) -> AccessMatrix | None:
    """The probes' matrix where they ran (`result.matrix`), the static one elsewhere."""
    if result.catalog is None:
        return None
    static = static_matrix(result.catalog, api_roles(result))
    probed = getattr(result, "matrix", None)
    if not probed:
        return static
    cells = dict(static.cells)
    for raw in getattr(probed, "cells", probed):
        cell = _from_probe(raw)
        if cell is not None:
            cells[(cell.relation, cell.role, cell.command)] = cell
    relations = tuple(dict.fromkeys([*static.relations, *(k[0] for k in cells)]))
    roles = tuple(dict.fromkeys([*static.roles, *(k[1] for k in cells)]))
    return AccessMatrix("probe (static where no probe ran)", roles, relations, cells)


def _probe_outcome(own: str, other: str) -> str | None:
    """A probe cell's (own rows, other tenants' rows) pair as one matrix outcome."""
    if other == "leaked":
        return "exposed"
    if "error" in (own, other):
        return "inconclusive"
    if own == "allowed":
        return "confined"
    if own == "denied" or other == "denied":
        return "denied"
    return None  # not tried: the static cell stays


def _from_probe(raw: Any) -> AccessCell | None:
    def get(name: str, default: Any = None) -> Any:
        return raw.get(name, default) if isinstance(raw, dict) else getattr(raw, name, default)

    if get("own") is not None or get("other") is not None:  # harness.probes.matrix.Cell
        own, other = str(get("own", "not-tried")), str(get("other", "not-tried"))
        outcome = _probe_outcome(own, other)
        if outcome is None:
            return None
        return AccessCell(
            relation=str(get("relation")),
            role=str(get("role")),
            command=str(get("command")).upper(),
            outcome=outcome,
            detail=f"own rows: {own}; other tenants' rows: {other}; {get('tries', 0)} tries",
            source="probe",
            sql=None,
        )
    outcome = str(get("outcome", "inconclusive")).lower()
    return AccessCell(
        relation=str(get("relation")),
        role=str(get("role")),
        command=str(get("command")).upper(),
        outcome=_SYNONYMS.get(outcome, outcome if outcome in OUTCOMES else "inconclusive"),
        detail=str(get("detail", "") or ""),
        source="probe",
        sql=get("sql"),
    )


def static_matrix(catalog: Catalog, roles: Iterable[str]) -> AccessMatrix:
    roles = tuple(roles)
    relations = [t for t in catalog.tables if t.schema in catalog.exposed_schemas]
    cells = {}
    for table in relations:
        for role in roles:
            for command in COMMANDS:
                cells[(table.qualified_name, role, command)] = _static_cell(
                    catalog, table, role, command
                )
    return AccessMatrix(STATIC, roles, tuple(t.qualified_name for t in relations), cells)


def _holders(catalog: Catalog, role: str) -> tuple[Role | None, set[str]]:
    found = next((r for r in catalog.roles if r.name == role), None)
    holders = {role, "PUBLIC"}
    if found is not None:
        holders.update(m.role for m in found.effective if m.inherit)
    return found, holders


def _static_cell(catalog: Catalog, table: Table, role: str, command: str) -> AccessCell:
    def cell(outcome: str, detail: str) -> AccessCell:
        return AccessCell(table.qualified_name, role, command, outcome, detail)

    found, holders = _holders(catalog, role)
    if command == "FUNCTIONS":
        return _functions_cell(catalog, table, role, holders)
    grants = [
        g for g in catalog.grants_on(table) if g.grantee in holders and g.privilege == command
    ]
    whole = [g for g in grants if g.column is None]
    columns = sorted({g.column for g in grants if g.column})
    if not whole and not columns:
        return cell("denied", f"{role} holds no {command} privilege")
    scope = "" if whole else f" on {len(columns)} column(s): {', '.join(columns)}"
    via = f"granted{scope} (to {', '.join(sorted({g.grantee for g in grants}))})"
    if command == "TRUNCATE":
        return cell("exposed", f"{via}; TRUNCATE ignores RLS and empties every tenant's rows")
    if command == "REFERENCES":
        return cell(
            "review",
            f"{via}; foreign-key checks ignore RLS, so a key of another "
            "tenant can be tested for existence",
        )
    if found is not None and (found.superuser or found.bypassrls):
        return cell("exposed", f"{via}; {role} bypasses row-level security")
    if table.owner in holders and not table.rls_forced:
        return cell("exposed", f"{via}; {role} owns the table and RLS is not forced")
    tenant = table.tenant_column is not None
    if table.kind == "materialized view":
        if tenant:
            return cell("exposed", f"{via}; a materialized view has no RLS: every tenant's rows")
        return cell("shared", f"{via}; a materialized view without a tenant column")
    if table.kind == "view":
        return _view_cell(catalog, table, role, command, via)
    if not table.rls_enabled:
        if tenant:
            return cell("exposed", f"{via}; RLS is off: every tenant's rows")
        if command == "SELECT":
            return cell("shared", f"{via}; RLS is off on a table without a tenant column")
        return cell("exposed", f"{via}; RLS is off: one tenant changes rows every tenant sees")
    policies = [
        p
        for p in catalog.policies_for(table)
        if p.applies_to(command) and ("public" in p.roles or holders.intersection(p.roles))
    ]
    permissive = [p.name for p in policies if p.permissive]
    if not permissive:
        return cell("denied", f"{via}; RLS is on and no permissive policy lets {role} {command}")
    return cell("confined", f"{via}; RLS on, policies {', '.join(permissive)}")


def _view_cell(catalog: Catalog, table: Table, role: str, command: str, via: str) -> AccessCell:
    view = catalog.view(table.qualified_name)
    if view is not None and view.security_invoker:
        outcome, detail = "review", f"{via}; security_invoker: the base tables' RLS applies"
    else:
        outcome = "review"
        detail = f"{via}; the view reads with its owner's ({table.owner}) privileges"
        owner = next((r for r in catalog.roles if r.name == table.owner), None)
        if owner is not None and (owner.superuser or owner.bypassrls):
            outcome, detail = "exposed", f"{detail}, and {table.owner} bypasses RLS"
    return AccessCell(table.qualified_name, role, command, outcome, detail)


def _functions_cell(catalog: Catalog, table: Table, role: str, holders: set[str]) -> AccessCell:
    """SECURITY DEFINER functions the role may call whose body names the table."""
    word = re.compile(rf"\b{re.escape(table.name)}\b", re.I)
    names = sorted(
        f.signature
        for f in catalog.functions
        if f.security_definer and holders.intersection(f.executable_by) and word.search(f.source)
    )
    if not names:
        return AccessCell(
            table.qualified_name,
            role,
            "FUNCTIONS",
            "none",
            f"no SECURITY DEFINER function callable by {role} names it",
        )
    return AccessCell(
        table.qualified_name,
        role,
        "FUNCTIONS",
        "review",
        f"SECURITY DEFINER, callable by {role}, body names it: {', '.join(names)}",
    )
