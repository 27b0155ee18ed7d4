"""RLS080: an API role that is, or can become, a role that escapes row level security."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, ObjectRef, Severity
from . import _fix
from ._scope import scope


class ApiRoleBypassesRls(Check):
    """An API role is or can act as a superuser, a BYPASSRLS role or a table owner.

    Why it matters:
    Superusers and BYPASSRLS roles ignore every policy, FORCE included, and a table's
    owner ignores policies without FORCE and can switch them off. An API role that is one
    of them, inherits from one, or may SET ROLE to one (through any chain of grants)
    reads and writes every tenant's rows. On Supabase, `service_role` bypasses RLS on
    purpose and must never be the role of client requests.

    Anti-pattern:
    GRANT postgres TO authenticated;
    ALTER ROLE authenticated BYPASSRLS;

    Best practice:
    REVOKE postgres FROM authenticated;
    ALTER ROLE authenticated NOBYPASSRLS;

    References:
    pgrls SEC016/SEC023/SEC029; rlsautotest L014; ANCHORS pitfall 5
    """

    id = "RLS080"
    name = "api-role-bypasses-rls"
    severity = Severity.CRITICAL
    category = Category.ISOLATION
    applies_to = ("role",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        roles = {r.name: r for r in ctx.roles}
        owners = {t.owner for t in s.tenant_scoped}
        for name in s.api_roles:
            role = roles[name]
            problems: list[str] = []
            parts: list[_fix.Part] = []
            for attr in ("superuser", "bypassrls"):
                if getattr(role, attr):
                    problems.append(f"has {attr.upper()}")
                    parts.append(
                        sql.SQL("ALTER ROLE {} NO{}").format(
                            sql.Identifier(name), sql.SQL(attr.upper())
                        )
                    )
            owned = [t for t in s.tenant_scoped if t.owner == name]
            if owned:
                names = ", ".join(t.qualified_name for t in owned)
                problems.append(f"owns {names} (an owner can switch RLS off)")
                schema_owners = {sch.name: sch.owner for sch in ctx.schemas}
                for t in owned:
                    new = schema_owners.get(t.schema)
                    if new and new not in s.api_roles and not new.startswith("pg_"):
                        parts.append(
                            f"ALTER TABLE {_fix.rel(t).as_string(None)} OWNER TO {_fix.quote(new)}"
                        )
            for m in role.effective:
                target = roles.get(m.role)
                if target is None or not (target.superuser or target.bypassrls or m.role in owners):
                    continue
                why = (
                    "bypasses RLS" if target.superuser or target.bypassrls else "owns tenant tables"
                )
                how = " and ".join(
                    w for w, ok in (("inherits from", m.inherit), ("can SET ROLE to", m.set)) if ok
                )
                problems.append(f"{how} {m.role} ({why}; via {' -> '.join((name, *m.path))})")
                parts.append(
                    sql.SQL("REVOKE {} FROM {}").format(
                        sql.Identifier(m.path[0]), sql.Identifier(name)
                    )
                )
            if not problems:
                continue
            yield self.finding(
                ObjectRef("role", None, name),
                f"API role {name} {'; '.join(problems)}: it escapes row level security",
                evidence=Evidence(
                    observed=f"rolsuper = {role.superuser}, rolbypassrls = {role.bypassrls}, "
                    f"member of {', '.join(m.role for m in role.effective) or 'nothing'}"
                ),
                remediation=_fix.fix(
                    "Remove the attribute and the membership (needs a superuser); give owned "
                    "tables to the schema owner.",
                    *dict.fromkeys(_fix.render(p) for p in parts),
                ),
            )
