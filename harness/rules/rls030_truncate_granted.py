"""RLS030: TRUNCATE granted to the API roles; TRUNCATE ignores row level security."""

from __future__ import annotations

from ..findings.model import Category, Severity
from ._privileges import PrivilegeCheck


class TruncateGranted(PrivilegeCheck):
    """An API role holds TRUNCATE on a table.

    Why it matters:
    TRUNCATE is not subject to row level security: one statement from any tenant (or an
    anonymous caller) empties the table for every tenant, and with CASCADE every table
    that references it. Supabase's default privileges grant it to anon and authenticated
    on every new table; many projects revoke it by hand.

    Anti-pattern:
    GRANT ALL ON public.orders TO authenticated;  -- ALL includes TRUNCATE

    Best practice:
    REVOKE TRUNCATE ON public.orders FROM anon, authenticated;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE TRUNCATE ON TABLES FROM anon, authenticated;

    References:
    PostgreSQL docs 5.8 (TRUNCATE is not subject to RLS); supabase discussion #51616;
    ANCHORS pitfall 30 (no peer checks it)
    """

    id = "RLS030"
    name = "truncate-granted"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("table",)
    privilege = "TRUNCATE"
    kinds = frozenset({"table", "partitioned table", "foreign table"})
    effect = "TRUNCATE ignores row level security and empties it for every tenant"
