"""RLS038: default privileges that hand future objects to the API roles or PUBLIC."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from ..catalog.model import Catalog, DefaultPrivilege
from ..findings.check import Check
from ..findings.model import Category, Evidence, Finding, ObjectRef, Severity
from . import _fix
from ._scope import Scope, scope

DANGEROUS = frozenset({"TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"})
PLURAL = {"table": "TABLES", "function": "FUNCTIONS", "sequence": "SEQUENCES"}


class DefaultPrivilegesExpose(Check):
    """Default privileges grant future tables, sequences or functions to the API roles.

    Why it matters:
    ALTER DEFAULT PRIVILEGES decides what every object created later gets, before anyone
    enables row level security on it. Medium when a future table is handed to anon or
    PUBLIC or gets TRUNCATE, REFERENCES, TRIGGER or MAINTAIN, or when future functions
    stay executable by PUBLIC or anon (PostgreSQL's built-in default, replaced only by a
    schema-less `ALTER DEFAULT PRIVILEGES ... REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`).
    Low for plain SELECT, INSERT, UPDATE, DELETE on future tables, and EXECUTE or sequence
    use, for a signed-in role: that is Supabase's model, where each new table relies on
    RLS being enabled (RLS001 catches a table that is not). The bundled hardened schema
    keeps that one low finding on purpose and grants every object explicitly besides.

    Anti-pattern:
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;

    Best practice:
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM PUBLIC, anon;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLES FROM authenticated;
    ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

    References:
    pgrls SEC044 (PUBLIC only); ANCHORS pitfall 31;
    https://www.postgresql.org/docs/current/sql-alterdefaultprivileges.html
    """

    id = "RLS038"
    name = "default-privileges-expose"
    severity = Severity.MEDIUM
    category = Category.HYGIENE
    applies_to = ("schema",)

    def check(self, ctx: Catalog) -> Iterator[Finding]:
        s = scope(ctx)
        reaching = {"PUBLIC", *s.api_roles}
        for d in ctx.default_privileges:
            if d.grantee not in reaching or d.object_type not in PLURAL:
                continue
            schemas = [d.schema] if d.schema else _owned_exposed(s, d.owner)
            if d.schema and not s.exposed(d.schema):
                continue
            open_to_all = d.grantee in ("PUBLIC", s.anon)
            dangerous = set(d.privileges) if open_to_all else set(d.privileges) & DANGEROUS
            plain = set(d.privileges) - dangerous
            for schema in schemas:
                for privs, severity, kind in (
                    (dangerous, None, "broad"),
                    (plain, Severity.LOW, "plain"),
                ):
                    if privs:
                        yield self._entry(s, d, schema, privs, severity, kind)
        for owner in sorted(_owners(s)):
            if any(
                d.owner == owner and d.schema is None and d.object_type == "function"
                for d in ctx.default_privileges
            ):
                continue
            for schema in _owned_exposed(s, owner):
                yield self.finding(
                    ObjectRef("schema", None, schema),
                    f"functions {owner} creates will be executable by PUBLIC (PostgreSQL's "
                    "built-in default was never revoked), anon included",
                    discriminator=f"{owner}:builtin:function",
                    evidence=Evidence(
                        observed=f"no schema-less pg_default_acl entry for {owner} on functions",
                        expected="ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
                    ),
                    remediation=_fix.fix(
                        "Revoke the built-in EXECUTE default; grant functions explicitly.",
                        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} {}").format(
                            sql.Identifier(owner),
                            sql.SQL("REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"),
                        ),
                    ),
                )

    def _entry(
        self,
        s: Scope,
        d: DefaultPrivilege,
        schema: str,
        privs: set[str],
        severity: Severity | None,
        kind: str,
    ) -> Finding:
        where = (
            sql.SQL(" IN SCHEMA {}").format(sql.Identifier(d.schema)) if d.schema else sql.SQL("")
        )
        return self.finding(
            ObjectRef("schema", None, schema),
            f"every {d.object_type} {d.owner} creates in {schema} will grant "
            f"{', '.join(sorted(privs))} to {d.grantee}",
            severity=severity,
            discriminator=f"{d.owner}:{d.schema or ''}:{d.object_type}:{d.grantee}:{kind}",
            evidence=Evidence(
                observed=f"ALTER DEFAULT PRIVILEGES {d.qualified_name}: "
                f"{d.grantee} gets {', '.join(d.privileges)}",
            ),
            remediation=_fix.fix(
                "Revoke these default privileges; grant each new object what it needs.",
                sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {}{} REVOKE {} ON {} FROM {}").format(
                    sql.Identifier(d.owner),
                    where,
                    _fix.words(privs),
                    sql.SQL(PLURAL[d.object_type]),
                    _fix.roles([d.grantee]),
                ),
            ),
        )


def _owners(s: Scope) -> set[str]:
    """Roles that own an exposed schema or something in one: they create what comes next."""
    owners = {sch.owner for sch in s.catalog.schemas if s.exposed(sch.name)}
    owners.update(t.owner for t in s.catalog.tables if s.exposed(t.schema))
    owners.update(f.owner for f in s.catalog.functions if s.exposed(f.schema))
    roles = {r.name: r for r in s.catalog.roles}
    return {o for o in owners if o in roles and not roles[o].superuser and not o.startswith("pg_")}


def _owned_exposed(s: Scope, owner: str) -> list[str]:
    found = {sch.name for sch in s.catalog.schemas if s.exposed(sch.name) and sch.owner == owner}
    found.update(t.schema for t in s.catalog.tables if t.owner == owner and s.exposed(t.schema))
    found.update(f.schema for f in s.catalog.functions if f.owner == owner and s.exposed(f.schema))
    return sorted(found)
