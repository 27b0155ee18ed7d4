"""RLS031: TRIGGER granted to the API roles."""

from __future__ import annotations

from ..findings.model import Category, Severity
from ._privileges import PrivilegeCheck


class TriggerGranted(PrivilegeCheck):
    """An API role holds TRIGGER on a table or view.

    Why it matters:
    With TRIGGER a tenant attaches its own trigger to a shared table. It fires for every
    tenant's writes: a trigger calling a built-in function with bad arguments blocks
    every other tenant's inserts, and one calling a function in the caller's temporary
    schema copies other tenants' new rows to where the caller can read them, for as long
    as its session lives.

    Anti-pattern:
    GRANT ALL ON public.branches TO authenticated;  -- ALL includes TRIGGER

    Best practice:
    REVOKE TRIGGER ON public.branches FROM anon, authenticated;

    References:
    PostgreSQL docs: CREATE TRIGGER requires the TRIGGER privilege; ANCHORS pitfall 30
    (pgrls excludes TRIGGER from SEC044)
    """

    id = "RLS031"
    name = "trigger-granted"
    severity = Severity.HIGH
    category = Category.ISOLATION
    applies_to = ("table", "view")
    privilege = "TRIGGER"
    kinds = frozenset({"table", "partitioned table", "foreign table", "view"})
    effect = "a tenant can attach triggers that fire on every tenant's writes"
