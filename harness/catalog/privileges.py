"""Who may do what: ACL entries, default privileges and roles with their memberships.

Kept apart from the relation objects (model.py) because rules about grants and roles
read these alone; model.py re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Grant:
    """One privilege on one object (or column) for one grantee, from the object's ACL."""

    grantee: str
    """Role name, or `PUBLIC`."""
    privilege: str
    """SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, EXECUTE, USAGE, ..."""
    grantable: bool
    object_kind: str
    """table, partitioned table, view, materialized view, foreign table, sequence, column,
    function, procedure, aggregate, schema."""
    object_name: str
    """`schema.table`, the function signature, or the schema name."""
    column: str | None = None
    grantor: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.object_name}.{self.column}" if self.column else self.object_name


@dataclass(frozen=True, slots=True)
class DefaultPrivilege:
    """ALTER DEFAULT PRIVILEGES: what objects `owner` creates later will grant."""

    owner: str
    schema: str | None
    """None for the database-wide entry, which replaces the built-in defaults."""
    object_type: str
    """table, sequence, function, type, schema, large object."""
    grantee: str
    privileges: tuple[str, ...]
    grantable: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        """As ALTER DEFAULT PRIVILEGES spells it: `for role postgres in schema public on table`."""
        where = f" in schema {self.schema}" if self.schema else ""
        return f"for role {self.owner}{where} on {self.object_type}"


@dataclass(frozen=True, slots=True)
class Membership:
    """A direct grant of `role` to the member (pg_auth_members)."""

    role: str
    admin: bool
    inherit: bool
    """Whether the member uses the role's privileges without SET ROLE."""
    set: bool
    """Whether the member may SET ROLE to it (always true before PostgreSQL 16)."""


@dataclass(frozen=True, slots=True)
class EffectiveMembership:
    """A role reachable through a chain of grants, and what some chain allows."""

    role: str
    inherit: bool
    """Some chain of inheriting grants leads here: its privileges apply directly."""
    set: bool
    """Some chain of SET-able grants leads here: SET ROLE to it succeeds."""
    path: tuple[str, ...]
    """A shortest chain of role names, ending with `role`."""


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    superuser: bool = False
    bypassrls: bool = False
    login: bool = False
    inherit: bool = True
    createrole: bool = False
    createdb: bool = False
    member_of: tuple[Membership, ...] = ()
    effective: tuple[EffectiveMembership, ...] = ()

    @property
    def qualified_name(self) -> str:
        return self.name

    def inherits_from(self, role: str) -> bool:
        return any(m.role == role and m.inherit for m in self.effective)

    def can_set_role(self, role: str) -> bool:
        return self.superuser or any(m.role == role and m.set for m in self.effective)
