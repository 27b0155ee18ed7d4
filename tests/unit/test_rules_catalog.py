"""Rules over hand-built catalogs (no database), through harness.testing."""

from __future__ import annotations

from harness.catalog.model import (
    Catalog,
    Column,
    Constraint,
    EffectiveMembership,
    Grant,
    Policy,
    Role,
    Table,
)
from harness.fix import migration
from harness.rules import get_rules
from harness.testing import assert_check_fires, assert_check_silent, findings_for

ROLES = (Role("anon"), Role("authenticated"), Role("postgres", bypassrls=True))
CTX = (
    "( SELECT (NULLIF(current_setting('app.current_tenant_id'::text, true), ''::text))::uuid AS x)"
)


def _table(name: str, *, rls: bool, column: str = "tenant_id") -> Table:
    return Table(
        schema="public",
        name=name,
        oid=hash(name) & 0xFFFF,
        kind="table",
        owner="postgres",
        rls_enabled=rls,
        rls_forced=rls,
        tenant_column=column,
        columns=(Column("id", "uuid", True, None, 1), Column(column, "uuid", True, None, 2)),
    )


def _grants(name: str, *privileges: str, role: str = "authenticated") -> tuple[Grant, ...]:
    return tuple(Grant(role, p, False, "table", f"public.{name}") for p in privileges)


def _catalog(**kwargs) -> Catalog:
    kwargs.setdefault("roles", ROLES)
    return Catalog(server_version_num=150000, database="unit", **kwargs)


def test_rls_disabled_and_silent_when_enabled() -> None:
    cat = _catalog(tables=(_table("notes", rls=False),), grants=_grants("notes", "SELECT"))
    found = assert_check_fires("RLS001", cat, objects=["public.notes"])
    assert "ENABLE ROW LEVEL SECURITY" in (found[0].remediation.fix_sql or "")
    cat = _catalog(tables=(_table("notes", rls=True),), grants=_grants("notes", "SELECT"))
    assert_check_silent("rls-disabled", cat)


def test_org_id_catalog() -> None:
    cat = _catalog(
        tenant_column="org_id",
        tables=(_table("projects", rls=True, column="org_id"),),
        grants=_grants("projects", "SELECT"),
        policies=(
            Policy("public", "projects", "p", True, "SELECT", ("authenticated",), "true", None),
        ),
    )
    assert_check_fires("RLS010", cat, objects=["public.projects"])
    assert_check_fires("RLS012", cat, objects=["public.projects"])


def test_restrictive_guard_neutralises_widening() -> None:
    wide = f"((org_id = {CTX}) OR (status = 'x'::text))"
    guard = f"(org_id = {CTX})"
    cat = _catalog(
        tenant_column="org_id",
        tables=(_table("projects", rls=True, column="org_id"),),
        grants=_grants("projects", "SELECT"),
        policies=(
            Policy("public", "projects", "p", True, "SELECT", ("authenticated",), wide, None),
            Policy("public", "projects", "g", False, "ALL", ("public",), guard, None),
        ),
    )
    assert_check_silent("RLS010", cat)
    assert_check_silent("RLS011", cat)


def test_fk_without_tenant_column() -> None:
    users = _table("users", rls=True)
    fk = Constraint(
        "public", "users", "users_branch_fkey", "foreign key", ("branch_id",),
        "FOREIGN KEY (branch_id) REFERENCES public.branches(id)",
        referenced_table="public.branches", referenced_columns=("id",),
    )  # fmt: skip
    cat = _catalog(
        tables=(users, _table("branches", rls=True)),
        constraints=(fk,),
        grants=_grants("users", "INSERT"),
    )
    found = assert_check_fires("RLS060", cat, objects=["public.users"])
    assert 'REFERENCES "public"."branches" ("tenant_id", "id")' in (
        found[0].remediation.fix_sql or ""
    )


def test_api_role_member_of_bypass_role() -> None:
    bypass = Role("admin", bypassrls=True)
    auth = Role(
        "authenticated",
        effective=(EffectiveMembership("admin", inherit=False, set=True, path=("admin",)),),
    )
    cat = _catalog(roles=(Role("anon"), auth, bypass))
    found = assert_check_fires("RLS080", cat, objects=["authenticated"])
    assert found[0].remediation.fix_sql == 'REVOKE "admin" FROM "authenticated";'


def test_migration_deduplicates_and_lists_manual_findings() -> None:
    cat = _catalog(
        tables=(_table("a", rls=False), _table("b", rls=True)),
        grants=_grants("a", "SELECT", "TRUNCATE") + _grants("b", "SELECT"),
        policies=(
            Policy(
                "public", "b", "p", True, "SELECT", ("authenticated",), "(auth.uid() IS NULL)", None
            ),
        ),
    )
    findings = [f for rule in get_rules() for f in findings_for(rule, cat)]
    text = migration(findings)
    statements = [line for line in text.splitlines() if line and not line.startswith("--")]
    body = statements[1:-1]
    assert statements[0] == "BEGIN;" and statements[-1] == "COMMIT;"
    assert len(body) == len(set(body))
    assert 'REVOKE TRUNCATE ON "public"."a" FROM "authenticated";' in body


def test_secret_column_names() -> None:
    from harness.rules.rls039_sensitive_column_exposed import is_secret as secret

    assert all(map(secret, ["password_hash", "api_key", "reset_token", "user_ssn", "card_number"]))
    assert not any(map(secret, ["classname", "lessons", "description", "email"]))
