"""RLS032: REFERENCES granted to the API roles."""

from __future__ import annotations

from ..findings.model import Category, Severity
from ._privileges import PrivilegeCheck


class ReferencesGranted(PrivilegeCheck):
    """An API role holds REFERENCES on a table.

    Why it matters:
    REFERENCES lets a role create foreign keys that point into the table. Foreign key
    checks bypass row level security, so a role able to create a referencing table learns
    which keys exist in other tenants (insert succeeds or fails), and can block their
    deletes. The API roles cannot create permanent tables in a hardened schema, which is
    why this is medium, not high: it is one grant away from an existence oracle.

    Anti-pattern:
    GRANT ALL ON public.users TO authenticated;  -- ALL includes REFERENCES

    Best practice:
    REVOKE REFERENCES ON public.users FROM anon, authenticated;

    References:
    PostgreSQL docs 5.8 (referential integrity checks bypass RLS); ANCHORS pitfalls 28, 30
    """

    id = "RLS032"
    name = "references-granted"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    applies_to = ("table",)
    privilege = "REFERENCES"
    kinds = frozenset({"table", "partitioned table"})
    effect = "foreign keys into it bypass row level security (an existence oracle)"
