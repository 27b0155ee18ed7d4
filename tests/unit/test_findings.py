from __future__ import annotations

import json

import pytest

from harness.findings import (
    Category,
    Check,
    Evidence,
    ObjectRef,
    Outcome,
    Severity,
    Stage,
    fingerprint,
    sort_findings,
)


class DemoCheck(Check):
    """Demo rule used by the tests.

    Why it matters:
        Shows the shape.

    Anti-pattern:
        ALTER TABLE t DISABLE ROW LEVEL SECURITY;

    Best practice:
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
    """

    id = "RLS099"
    name = "demo-check"
    severity = Severity.HIGH
    category = Category.ISOLATION


def test_check_metadata_and_docs_are_parsed():
    assert DemoCheck.stage is Stage.STATIC
    assert DemoCheck.doc.title == "Demo rule used by the tests"
    assert DemoCheck.doc.section("Anti-pattern") == "ALTER TABLE t DISABLE ROW LEVEL SECURITY;"


def test_check_without_required_sections_is_refused_at_definition():
    with pytest.raises(TypeError, match="lacks the section"):

        class Undocumented(Check):
            """Only a title."""

            id = "RLS098"
            name = "undocumented"
            severity = Severity.LOW
            category = Category.HYGIENE


def test_check_with_bad_id_or_name_is_refused():
    with pytest.raises(TypeError, match="does not match"):

        class BadId(Check):
            """T.

            Why it matters:
                x
            Anti-pattern:
                x
            Best practice:
                x
            """

            id = "X1"
            name = "bad-id"
            severity = Severity.LOW
            category = Category.HYGIENE


def test_fingerprint_ignores_message_and_severity_but_not_object():
    users = ObjectRef("table", "public", "users")
    a = DemoCheck.finding(users, "one message")
    b = DemoCheck.finding(users, "another message", severity=Severity.LOW)
    c = DemoCheck.finding(ObjectRef("table", "public", "branches"), "one message")
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert a.fingerprint == fingerprint("RLS099", users)
    assert DemoCheck.finding(users, "m", discriminator="select").fingerprint != a.fingerprint


def test_object_ref_round_trip():
    fn = ObjectRef.parse("public.get_user_tenant_id(uuid)")
    assert fn.kind == "function" and fn.schema == "public" and fn.signature == "(uuid)"
    assert str(fn) == "public.get_user_tenant_id(uuid)"
    assert str(ObjectRef.parse("public.users")) == "public.users"


def test_severity_parse_and_order():
    assert Severity.parse(" High ") is Severity.HIGH
    assert Severity.CRITICAL.at_least(Severity.HIGH)
    assert not Severity.MEDIUM.at_least(Severity.HIGH)
    with pytest.raises(ValueError, match="unknown severity"):
        Severity.parse("severe")


def test_finding_json_shape_is_the_contract():
    f = DemoCheck.finding(
        ObjectRef("table", "public", "users"),
        "RLS is disabled",
        evidence=Evidence(sql="select relrowsecurity from pg_class", observed="false"),
        remediation="enable it",
        outcome=Outcome.INCONCLUSIVE,
    )
    doc = json.loads(json.dumps(f.to_dict()))
    for key in (
        "rule",
        "name",
        "severity",
        "category",
        "object",
        "message",
        "evidence",
        "remediation",
        "location",
        "fingerprint",
        "outcome",
    ):
        assert key in doc
    assert doc["object"] == "public.users"
    assert doc["outcome"] == "inconclusive"
    assert doc["evidence"] == {"sql": "select relrowsecurity from pg_class", "observed": "false"}


def test_sorting_is_by_severity_then_rule_then_object():
    low = DemoCheck.finding(ObjectRef("table", "public", "a"), "m", severity=Severity.LOW)
    high_b = DemoCheck.finding(ObjectRef("table", "public", "b"), "m")
    high_a = DemoCheck.finding(ObjectRef("table", "public", "a"), "m")
    assert sort_findings([low, high_b, high_a]) == [high_a, high_b, low]
