"""The security posture: the part of a catalog that decides who sees which rows, as JSON.

A posture is what `rls-audit snapshot` writes and what `rls-audit diff` compares. Each
section maps a stable key (`public.users`, `tenant_select on public.users`,
`SELECT on public.users to authenticated`) to a record of plain JSON values, so a saved
snapshot and a live catalog compare alike and a snapshot file diffs well in review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

POSTURE_VERSION = 1
KIND = "rls-audit-posture"
SECTIONS = ("tables", "policies", "grants", "functions", "roles", "constraints")
"""The sections, in the order a diff reports them."""

Record = dict[str, Any]


@dataclass(frozen=True)
class Posture:
    """One database's posture; `meta` says where it came from and how it was read."""

    meta: dict[str, Any]
    tables: dict[str, Record] = field(default_factory=dict)
    policies: dict[str, Record] = field(default_factory=dict)
    grants: dict[str, Record] = field(default_factory=dict)
    functions: dict[str, Record] = field(default_factory=dict)
    roles: dict[str, Record] = field(default_factory=dict)
    constraints: dict[str, Record] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Record]:
        if name not in SECTIONS:
            raise KeyError(f"no posture section {name!r}")
        return getattr(self, name)

    @property
    def source(self) -> str:
        return str(self.meta.get("source", "?"))

    @property
    def api_roles(self) -> tuple[str, ...]:
        return tuple(self.meta.get("api_roles", ()))

    @property
    def tenant_column(self) -> str:
        return str(self.meta.get("tenant_column", "tenant_id"))

    def to_dict(self) -> dict[str, Any]:
        """The snapshot file: sorted keys, so two snapshots diff line by line."""
        out: dict[str, Any] = {"schema_version": POSTURE_VERSION, "kind": KIND, **self.meta}
        for name in SECTIONS:
            out[name] = {k: self.section(name)[k] for k in sorted(self.section(name))}
        return out

    @classmethod
    def from_dict(cls, doc: Any) -> Posture:
        """Read a snapshot file's document; ValueError says what is not a posture."""
        if not isinstance(doc, dict) or doc.get("kind") != KIND:
            raise ValueError(f"not an rls-audit posture snapshot (expected kind {KIND!r})")
        if doc.get("schema_version") != POSTURE_VERSION:
            raise ValueError(
                f"snapshot schema_version {doc.get('schema_version')!r} is not supported "
                f"(this rls-audit reads {POSTURE_VERSION}); take the snapshot again"
            )
        sections = {}
        for name in SECTIONS:
            value = doc.get(name, {})
            if not isinstance(value, dict) or not all(isinstance(r, dict) for r in value.values()):
                raise ValueError(f"snapshot section {name!r} must map names to objects")
            sections[name] = value
        meta = {k: v for k, v in doc.items() if k not in (*SECTIONS, "schema_version", "kind")}
        return cls(meta=meta, **sections)
