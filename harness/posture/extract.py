"""From a catalog snapshot to a posture: what decides isolation, nothing else.

Left out on purpose: PostgreSQL's own `pg_*` roles (they differ between releases),
privileges an owner holds on its own objects (implied by ownership), the database's
name (a clone's name is random) and function bodies (only their hash, to flag a change).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import __version__
from ..catalog import Catalog, Column, Constraint, Function, Grant, Policy, Role, Table
from .model import Posture, Record


def posture_of(catalog: Catalog, *, api_roles: tuple[str, ...], source: str) -> Posture:
    owners = _owners(catalog)
    return Posture(
        meta={
            "tool": {"name": "rls-audit", "version": __version__},
            "source": source,
            "server_version_num": catalog.server_version_num,
            "tenant_column": catalog.tenant_column,
            "api_roles": list(api_roles),
            "exposed_schemas": list(catalog.exposed_schemas),
        },
        tables={t.qualified_name: _table(catalog, t) for t in catalog.tables},
        policies={p.qualified_name: _policy(p) for p in catalog.policies},
        grants={
            grant_key(g): _grant(g)
            for g in catalog.grants
            if owners.get(g.object_name) != g.grantee
        },
        functions={f.signature: _function(f) for f in catalog.functions},
        roles={r.name: _role(r) for r in catalog.roles if not r.name.startswith("pg_")},
        constraints={c.qualified_name: _constraint(c) for c in catalog.constraints},
    )


def grant_key(g: Grant) -> str:
    obj = "(database)" if g.object_kind == "database" else g.qualified_name
    return f"{g.privilege} on {obj} to {g.grantee}"


def _owners(catalog: Catalog) -> dict[str, str]:
    out = {t.qualified_name: t.owner for t in catalog.tables}
    out.update({f.signature: f.owner for f in catalog.functions})
    out.update({s.name: s.owner for s in catalog.schemas})
    return out


def _table(catalog: Catalog, t: Table) -> Record:
    record: Record = {
        "kind": t.kind,
        "owner": t.owner,
        "tenant_column": t.tenant_column,
        "rls_enabled": t.rls_enabled,
        "rls_forced": t.rls_forced,
        "exposed": t.schema in catalog.exposed_schemas,
        "columns": {c.name: _column(c) for c in t.columns},
    }
    view = catalog.view(t.qualified_name)
    if view is not None:
        record["security_invoker"] = view.security_invoker
        record["security_barrier"] = view.security_barrier
    return record


def _column(c: Column) -> Record:
    return {
        "type": c.type,
        "not_null": c.not_null,
        "has_default": c.default is not None or c.is_identity or c.is_generated,
    }


def _policy(p: Policy) -> Record:
    return {
        "table": p.table_name,
        "permissive": p.permissive,
        "command": p.command,
        "roles": list(p.roles),
        "using": p.using,
        "with_check": p.with_check,
    }


def _grant(g: Grant) -> Record:
    return {
        "object": "(database)" if g.object_kind == "database" else g.object_name,
        "object_kind": g.object_kind,
        "column": g.column,
        "grantee": g.grantee,
        "privilege": g.privilege,
        "grantable": g.grantable,
    }


def _function(f: Function) -> Record:
    return {
        "kind": f.kind,
        "owner": f.owner,
        "language": f.language,
        "return_type": f.return_type,
        "security_definer": f.security_definer,
        "leakproof": f.leakproof,
        "volatility": f.volatility,
        "search_path": f.search_path,
        "source_sha256": hashlib.sha256(f.source.encode("utf-8")).hexdigest()[:16],
    }


def _role(r: Role) -> Record:
    return {
        "superuser": r.superuser,
        "bypassrls": r.bypassrls,
        "login": r.login,
        "inherit": r.inherit,
        "createrole": r.createrole,
        "member_of": sorted(m.role for m in r.member_of),
    }


def _constraint(c: Constraint) -> Record:
    out: dict[str, Any] = {
        "table": c.table_name,
        "type": c.type,
        "columns": list(c.columns),
        "definition": c.definition,
        "includes_tenant_column": c.includes_tenant_column,
    }
    if c.referenced_table:
        out["referenced_table"] = c.referenced_table
    return out
