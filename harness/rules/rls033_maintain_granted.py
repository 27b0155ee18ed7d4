"""RLS033: MAINTAIN (PostgreSQL 17+) granted to the API roles."""

from __future__ import annotations

from ..findings.model import Category, Severity
from ._privileges import PrivilegeCheck


class MaintainGranted(PrivilegeCheck):
    """An API role holds MAINTAIN on a table or materialized view (PostgreSQL 17+).

    Why it matters:
    MAINTAIN allows VACUUM, ANALYZE, CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW and LOCK
    TABLE. A tenant can take an ACCESS EXCLUSIVE lock on a shared table and stall every
    other tenant until its transaction ends, or refresh a materialized view at will.
    Since PostgreSQL 17 it is part of ALL, so `GRANT ALL` and Supabase-style default
    privileges hand it to the API roles.

    Anti-pattern:
    GRANT ALL ON public.orders TO authenticated;  -- on 17+, ALL includes MAINTAIN

    Best practice:
    REVOKE MAINTAIN ON public.orders FROM anon, authenticated;

    References:
    https://www.postgresql.org/docs/17/ddl-priv.html (MAINTAIN); no peer checks it
    """

    id = "RLS033"
    name = "maintain-granted"
    severity = Severity.MEDIUM
    category = Category.ISOLATION
    applies_to = ("table", "materialized view")
    privilege = "MAINTAIN"
    kinds = frozenset({"table", "partitioned table", "materialized view"})
    effect = "a tenant can lock, vacuum or refresh it for every tenant"
