"""Policy predicate and function body analysis, on strings (no database)."""

from __future__ import annotations

import pytest

from harness.rules import _body
from harness.rules._predicate import Knowledge, analyse
from harness.rules._rewrite import guard_context_reads, replace_columns, wrap_per_row

KNOWN = Knowledge(
    context={
        "public.get_current_tenant_id": "tenant",
        "public.has_access": "tenant",
        "auth.uid": "identity",
        "auth.jwt": "identity",
    },
    volatility={"public.get_current_tenant_id": "stable", "public.vol": "volatile"},
)
INIT = "(SELECT public.get_current_tenant_id() AS get_current_tenant_id)"
SETTING = "(current_setting('app.current_tenant_id'::text))::uuid"


@pytest.mark.parametrize(
    ("text", "restricts"),
    [
        (f"(tenant_id = {INIT})", True),
        ("(tenant_id = public.get_current_tenant_id())", True),
        (f"(tenant_id = {SETTING})", True),
        (
            "(tenant_id IN ( SELECT m.tenant_id FROM public.members m WHERE (m.uid = auth.uid())))",
            True,
        ),
        (
            "(EXISTS ( SELECT 1 FROM public.m WHERE ((m.tenant_id = t.tenant_id) AND (m.uid = auth.uid()))))",
            True,
        ),
        ("public.has_access(tenant_id)", True),
        (f"((tenant_id = {INIT}) AND ((status)::text = 'open'::text))", True),
        (f"((tenant_id = {INIT}) OR ((status)::text = 'public'::text))", False),
        ("(auth.uid() IS NOT NULL)", False),
        ("(user_id = auth.uid())", False),
        ("(id = public.get_current_tenant_id())", False),
        ("true", False),
    ],
)
def test_restricts(text: str, restricts: bool) -> None:
    assert analyse(text, "tenant_id", "t", KNOWN).restricts is restricts


def test_disjunct_kinds() -> None:
    a = analyse(
        f"((auth.uid() IS NULL) OR (tenant_id = {INIT}) OR true OR (kind = 'x'::text))",
        "tenant_id",
        "t",
        KNOWN,
    )
    assert [d.kind for d in a.disjuncts] == ["null-context", "restricts", "constant-true", "other"]
    assert a.always_true and not a.restricts


def test_is_not_null_is_not_a_null_context() -> None:
    a = analyse("(auth.uid() IS NOT NULL)", "tenant_id", "t", KNOWN)
    assert [d.kind for d in a.disjuncts] == ["other"]


def test_constant_folding() -> None:
    assert analyse("(1 = 1)", "tenant_id", "t", KNOWN).always_true
    assert not analyse("(1 = 2)", "tenant_id", "t", KNOWN).always_true


def test_tenants_table_key_and_wrong_column() -> None:
    assert analyse("(id = public.get_current_tenant_id())", "id", "tenants", KNOWN).restricts
    wrong = analyse("(branch_id = public.get_current_tenant_id())", "tenant_id", "t", KNOWN)
    assert wrong.wrong_columns == ("branch_id",)


def test_org_id_key() -> None:
    text = "(org_id = ( SELECT (NULLIF(current_setting('app.current_org_id'::text, true), ''::text))::bigint AS x))"
    assert analyse(text, "org_id", "projects", KNOWN).restricts
    assert not analyse(text, "tenant_id", "projects", KNOWN).restricts


def test_per_row_calls_and_wrap() -> None:
    text = "(tenant_id = public.get_current_tenant_id())"
    assert analyse(text, "tenant_id", "t", KNOWN).per_row_calls == (
        "public.get_current_tenant_id()",
    )
    assert analyse(f"(tenant_id = {INIT})", "tenant_id", "t", KNOWN).per_row_calls == ()
    assert wrap_per_row(text, "tenant_id", "t", KNOWN) == (
        "(tenant_id = (SELECT public.get_current_tenant_id()))"
    )


def test_user_claims_and_index_defeat() -> None:
    claims = "(tenant_id = (((auth.jwt() -> 'user_metadata'::text) ->> 'tenant_id'::text))::uuid)"
    assert analyse(claims, "tenant_id", "t", KNOWN).user_claims == ("user_metadata",)
    cast = "((tenant_id)::text = current_setting('app.current_tenant_id'::text, true))"
    assert analyse(cast, "tenant_id", "t", KNOWN).index_defeating
    volatile = "(tenant_id = public.vol())"
    assert analyse(volatile, "tenant_id", "t", KNOWN).index_defeating


def test_context_reads_and_guard() -> None:
    reads = analyse(f"(tenant_id = {SETTING})", "tenant_id", "t", KNOWN).context_reads
    assert reads[0].setting == "app.current_tenant_id"
    assert not reads[0].missing_ok and reads[0].unguarded_cast
    guarded = guard_context_reads(f"(tenant_id = {SETTING})")
    assert guarded is not None and "NULLIF" in guarded and "TRUE" in guarded
    after = analyse(guarded, "tenant_id", "t", KNOWN).context_reads
    assert after[0].missing_ok and not after[0].unguarded_cast


def test_replace_columns() -> None:
    assert replace_columns("(id = public.get_current_tenant_id())", ("id",), "tenant_id") == (
        "(tenant_id = public.get_current_tenant_id())"
    )


def test_unparseable_predicate_is_marked() -> None:
    assert not analyse("(tenant_id = ", "tenant_id", "t", KNOWN).parsed


def test_body_calls_relations_and_settings() -> None:
    body = _body.analyse(
        """
        DECLARE v uuid;  -- FROM commented_out
        BEGIN
          SELECT u.tenant_id INTO v FROM public.users u WHERE u.id = $1;
          INSERT INTO audit_logs (tenant_id) VALUES (v);
          UPDATE public.stats SET n = n + 1;
          PERFORM set_config('app.current_tenant_id', v::text, false);
          RAISE NOTICE 'FROM strings_are_ignored %', v;
          SET LOCAL app.other = 'x';
          RETURN current_setting('app.current_tenant_id', true)::uuid;
        EXCEPTION WHEN others THEN RETURN NULL;
        END
        """
    )
    assert [(r.name, r.write) for r in body.relations] == [
        ("public.users", False),
        ("audit_logs", True),
        ("public.stats", True),
    ]
    setter = body.calls_named("set_config")[0]
    assert setter.literal_args == ("app.current_tenant_id", None, "false")
    reader = body.calls_named("current_setting")[0]
    assert reader.literal_args == ("app.current_tenant_id", "true") and reader.cast_after
    assert body.has_exception_handler and body.sets == (("app.other", True),)


def test_body_dynamic_sql() -> None:
    assert _body.analyse("BEGIN EXECUTE format('SELECT 1 FROM %I', t); END").dynamic_sql
