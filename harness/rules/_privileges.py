"""One privilege granted to the API roles on relations where it takes effect: the shared
body of the TRUNCATE, TRIGGER, REFERENCES and MAINTAIN rules."""

from __future__ import annotations

from collections.abc import Iterator

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Evidence, Finding
from . import _fix
from ._scope import relation_ref, scope


class PrivilegeCheck(Check):
    abstract = True
    privilege: str
    kinds: frozenset[str]
    """Relation kinds on which the privilege does something."""
    effect: str
    """What the privilege lets a tenant do to the others, for the message."""

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        for table in ctx.tables:
            if table.kind not in self.kinds:
                continue
            if not (s.exposed(table.schema) or table.qualified_name in s.tenant_data):
                continue
            grants = s.api_grants(table.qualified_name, (self.privilege,))
            if not grants:
                continue
            holders = sorted({g.grantee for g in grants})
            yield self.finding(
                relation_ref(table),
                f"{', '.join(holders)} hold{'s' if len(holders) == 1 else ''} {self.privilege} on "
                f"{table.qualified_name}: {self.effect}",
                evidence=Evidence(
                    sql=_fix.acl_sql(table),
                    observed=_fix.grants_text(grants),
                    expected=f"no {self.privilege} for the API roles",
                ),
                remediation=_fix.fix(
                    f"Revoke {self.privilege} from the API roles.",
                    *_fix.revoke(_fix.rel(table), grants),
                    safe=True,
                ),
            )
