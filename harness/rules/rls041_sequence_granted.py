"""RLS041: sequences shared by all tenants are usable by the API roles."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, Severity
from . import _fix
from ._scope import qualified_ref, scope, split_name


class SequenceGranted(Check):
    """An API role may read or advance a sequence in an exposed schema.

    Why it matters:
    A sequence is shared by every tenant and ignores row level security: `nextval` or
    `currval` tells a tenant how many rows all tenants together inserted and when (a
    covert channel on the others' activity), and `setval` lets it disrupt the others'
    inserts. Tenant tables are best keyed by UUIDs; where a serial column remains, the
    API roles need USAGE only if they insert directly.

    Anti-pattern:
    GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.orders_id_seq TO authenticated;

    Best practice:
    REVOKE ALL ON SEQUENCE public.orders_id_seq FROM anon, authenticated;
    -- key tenant rows by gen_random_uuid()

    References:
    PostgreSQL docs 5.8 (covert channels); ANCHORS pitfall 35 (no peer covers it)
    """

    id = "RLS041"
    name = "sequence-granted"
    severity = Severity.LOW
    category = Category.DISCLOSURE
    applies_to = ("sequence",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        names = sorted({g.object_name for g in ctx.grants if g.object_kind == "sequence"})
        for name in names:
            schema, seq = split_name(name)
            if not s.exposed(schema):
                continue
            grants = s.api_grants(name, ("USAGE", "SELECT", "UPDATE"))
            if not grants:
                continue
            target = sql.SQL("SEQUENCE {}").format(sql.Identifier(schema, seq))
            yield self.finding(
                qualified_ref("sequence", name),
                f"sequence {name} is shared by every tenant and "
                f"{', '.join(sorted({g.grantee for g in grants}))} may use it",
                evidence=Evidence(observed=_fix.grants_text(grants)),
                remediation=_fix.fix(
                    "Revoke the API roles' privileges on the sequence (key tenant rows by UUID).",
                    *_fix.revoke(target, grants),
                ),
            )
