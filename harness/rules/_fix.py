"""Building the SQL of remediations: identifiers through psycopg's `sql` composition, one
statement per line so that `rls-audit fix` can merge and deduplicate them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from psycopg import sql

from ..catalog.model import Function, Grant, Policy, Table
from ..findings.model import Applicability, Remediation
from ._scope import Scope, split_name

Part = sql.Composable | str


@lru_cache(maxsize=65536)
def quote(*parts: str) -> str:
    """`"schema"."name"`: psycopg's identifier quoting, cached (findings repeat names)."""
    return sql.Identifier(*parts).as_string(None)


def rel(obj: Table | str) -> sql.SQL:
    """A relation as a qualified identifier: a `Table` or `schema.name`."""
    schema, name = (obj.schema, obj.name) if isinstance(obj, Table) else split_name(obj)
    return sql.SQL(quote(schema, name))


def func(fn: Function) -> sql.SQL:
    # identity_args are type names from the catalog (format_type output), not user input.
    return sql.SQL(f"{quote(fn.schema, fn.name)}({fn.identity_args})")


def roles(names: Iterable[str]) -> sql.SQL:
    return sql.SQL(_roles(frozenset(names)))


@lru_cache(maxsize=1024)
def _roles(names: frozenset[str]) -> str:
    ordered = sorted(names, key=lambda n: (n.upper() != "PUBLIC", n))
    return ", ".join("PUBLIC" if n.upper() == "PUBLIC" else quote(n) for n in ordered)


def words(items: Iterable[str]) -> sql.SQL:
    """Privilege keywords (SELECT, TRUNCATE, ...), from the catalog's fixed vocabulary."""
    return sql.SQL(_words(frozenset(items)))


@lru_cache(maxsize=1024)
def _words(items: frozenset[str]) -> str:
    return ", ".join(sorted(items))


def columns(names: Iterable[str]) -> sql.SQL:
    return sql.SQL(", ".join(quote(n) for n in names))


def render(part: Part) -> str:
    return part if isinstance(part, str) else part.as_string(None)


def statements(*parts: Part) -> str:
    """One statement per line, each ending with a semicolon."""
    return "\n".join(render(p).rstrip(";") + ";" for p in parts if p)


def fix(text: str, *parts: Part, safe: bool = False) -> Remediation:
    return Remediation(
        text,
        fix_sql=statements(*parts) or None,
        applicability=Applicability.SAFE if safe else Applicability.UNSAFE,
    )


def advice(text: str) -> Remediation:
    """A remediation that needs a person: no SQL can be written for it blindly."""
    return Remediation(text)


def context_expr(scope: Scope, table: Table) -> str:
    """`(SELECT <tenant context>)`: what the schema's own policies compare with, or the
    tenant setting read safely (missing or '' is NULL, so no row matches)."""
    if scope.tenant_context_sql:
        return f"(SELECT {scope.tenant_context_sql})"
    key = scope.tenant_key(table) or scope.catalog.tenant_column
    column = table.column(key)
    cast = column.type if column is not None else "uuid"
    setting = sql.Literal(scope.tenant_guc).as_string(None)
    return f"(SELECT NULLIF(pg_catalog.current_setting({setting}, true), '')::{cast})"


def tenant_predicate(scope: Scope, table: Table) -> str:
    key = scope.tenant_key(table) or scope.catalog.tenant_column
    return f"{render(sql.Identifier(key))} = {context_expr(scope, table)}"


def policy_name(table: Table, suffix: str) -> sql.Composable:
    return sql.Identifier(f"{table.name}_{suffix}"[:63])


def alter_policy(policy: Policy, using: str | None = None, check: str | None = None) -> str:
    text = f"ALTER POLICY {quote(policy.name)} ON {quote(policy.schema, policy.table)}"
    if using is not None:
        text += f" USING ({using})"
    if check is not None:
        text += f" WITH CHECK ({check})"
    return text


@lru_cache(maxsize=65536)
def policy_text(policy: Policy) -> str:
    """The policy as a reviewer reads it, for evidence."""
    kind = "PERMISSIVE" if policy.permissive else "RESTRICTIVE"
    text = (
        f"CREATE POLICY {policy.name} ON {policy.table_name} AS {kind} FOR {policy.command}"
        f" TO {', '.join(policy.roles)}"
    )
    if policy.using is not None:
        text += f" USING {_paren(policy.using)}"
    if policy.with_check is not None:
        text += f" WITH CHECK {_paren(policy.with_check)}"
    return text


def _paren(expr: str) -> str:
    return expr if expr.startswith("(") and expr.endswith(")") else f"({expr})"


def grants_text(grants: Iterable[Grant]) -> str:
    """`GRANT SELECT, TRUNCATE ON public.t TO anon` lines, for evidence."""
    grouped: dict[tuple[str, str, str | None], set[str]] = {}
    for g in grants:
        grouped.setdefault((g.object_name, g.grantee, g.column), set()).add(g.privilege)
    lines = []
    for (obj, grantee, column), privs in sorted(grouped.items(), key=lambda i: str(i[0])):
        cols = f" ({column})" if column else ""
        lines.append(f"GRANT {', '.join(sorted(privs))}{cols} ON {obj} TO {grantee}")
    return "\n".join(lines)


def revoke(target: sql.Composable, grants: Iterable[Grant]) -> list[str]:
    """REVOKE statements undoing these grants on `target` (`rel(t)`, `SEQUENCE ...`),
    column grants column-wise."""
    privs: dict[str | None, set[str]] = {}
    holders: dict[str | None, set[str]] = {}
    for g in grants:
        privs.setdefault(g.column, set()).add(g.privilege)
        holders.setdefault(g.column, set()).add(g.grantee)
    on = render(target)
    return [
        f"REVOKE {_words(frozenset(privs[c]))}{f' ({quote(c)})' if c else ''} ON {on}"
        f" FROM {_roles(frozenset(holders[c]))}"
        for c in sorted(privs, key=lambda c: c or "")
    ]


@lru_cache(maxsize=65536)
def literal(value: str) -> str:
    return sql.Literal(value).as_string(None)


def rls_flags_sql(table: Table) -> str:
    """A query a reviewer can run to see a relation's RLS switches."""
    literal_name = literal(table.qualified_name)
    return (
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_catalog.pg_class"
        f" WHERE oid = {literal_name}::pg_catalog.regclass"
    )


def tenant_policy(scope: Scope, table: Table, *, restrictive: bool = False) -> str:
    """CREATE POLICY restricting every command to the current tenant."""
    pred = tenant_predicate(scope, table)
    if restrictive:
        return render(
            sql.SQL(
                "CREATE POLICY {} ON {} AS RESTRICTIVE FOR ALL TO PUBLIC USING ({}) WITH CHECK ({})"
            ).format(policy_name(table, "tenant_guard"), rel(table), sql.SQL(pred), sql.SQL(pred))
        )
    return render(
        sql.SQL(
            "CREATE POLICY {} ON {} AS PERMISSIVE FOR ALL TO {} USING ({}) WITH CHECK ({})"
        ).format(
            policy_name(table, "tenant_isolation"),
            rel(table),
            roles(scope.signed_in),
            sql.SQL(pred),
            sql.SQL(pred),
        )
    )


def acl_sql(table: Table) -> str:
    """A query a reviewer can run to see who holds what on a relation."""
    return (
        "SELECT a.grantee::regrole, a.privilege_type FROM pg_catalog.pg_class c,"
        " pg_catalog.aclexplode(c.relacl) a"
        f" WHERE c.oid = {literal(table.qualified_name)}::pg_catalog.regclass"
    )
