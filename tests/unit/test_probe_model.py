"""Probe building blocks without a database: scope, strategies, oracles, matrix, config."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.catalog import Catalog, Column, Constraint, Table
from harness.config import resolve
from harness.errors import ConfigError
from harness.probes import get_probes
from harness.probes.matrix import MatrixRecorder
from harness.probes.oracle import PLATFORM, changes, merged, touched
from harness.probes.population import make_tenants
from harness.probes.scope import build_scope
from harness.probes.strategies import TypeInfo, canary_text, plan_column, value_strategy

settings.register_profile("ci", max_examples=20, deadline=None)
settings.load_profile("ci")


def col(name: str, type_: str = "uuid", not_null: bool = True, attnum: int = 1) -> Column:
    return Column(name=name, type=type_, not_null=not_null, default=None, attnum=attnum)


def table(name: str, *cols: Column, tenant: str | None = "org_id") -> Table:
    return Table("app", name, oid=hash(name) % 10_000, kind="table", owner="o",
                 tenant_column=tenant, columns=cols)  # fmt: skip


def fk(
    tbl: str, name: str, cols: tuple[str, ...], ref: str, refcols: tuple[str, ...]
) -> Constraint:
    return Constraint("app", tbl, name, "foreign key", cols, "", referenced_table=ref,
                      referenced_columns=refcols)  # fmt: skip


def test_scope_finds_the_registry_orders_tables_and_breaks_cycles() -> None:
    orgs = table("orgs", col("id"), col("plan_id", not_null=False), tenant=None)
    plans = table("plans", col("id"), col("org_id"))
    items = table("items", col("id"), col("org_id"), col("parent_id", not_null=False))
    catalog = Catalog(
        server_version_num=150000, database="d", tenant_column="org_id",
        exposed_schemas=("app",), tables=(orgs, plans, items),
        constraints=(
            fk("plans", "plans_org", ("org_id",), "app.orgs", ("id",)),
            fk("items", "items_org", ("org_id",), "app.orgs", ("id",)),
            fk("items", "items_parent", ("org_id", "parent_id"), "app.items", ("org_id", "id")),
            fk("orgs", "orgs_plan", ("id", "plan_id"), "app.plans", ("org_id", "id")),
        ),
    )  # fmt: skip
    scope = build_scope(catalog)
    assert (scope.registry, scope.registry_key) == ("app.orgs", "id")
    assert scope.tables["app.orgs"].tenant_key == "id"
    assert scope.order.index("app.orgs") < scope.order.index("app.items")
    assert ("app.orgs", "orgs_plan") in scope.deferred


def test_check_literals_and_patterns_become_fallbacks() -> None:
    check = Constraint("app", "t", "t_status", "check", ("status",),
                       "CHECK (status IN ('open', 'closed') AND length(status) > 2)")  # fmt: skip
    plan = plan_column(col("status", "text"), TypeInfo("text", "S"), (check,))
    assert plan.literals == ("open", "closed")
    assert plan.fallbacks()[0] == "literal"


@given(st.integers(1, 10**6), st.text("abc", max_size=3), st.one_of(st.none(), st.integers(1, 40)))
def test_canary_text_fits_and_carries_the_marker_when_it_can(serial, noise, max_len) -> None:
    value = canary_text("zq12ab34", serial, noise, max_len)
    if max_len is not None:
        assert len(value) <= max_len
    if max_len is None or max_len >= 16:
        assert value.startswith("zq12ab34")


@given(st.data())
def test_value_strategies_respect_varchar_lengths(data) -> None:
    plan = plan_column(col("code", "character varying(5)"), TypeInfo("varchar", "S"), ())
    assert len(data.draw(value_strategy(plan, "zq000001", 7))) <= 5


def test_tenants_are_reproducible_and_distinct() -> None:
    first, again = make_tenants(25, 3), make_tenants(25, 3)
    assert first == again
    assert len({t.marker for t in first}) == 25 and len({t.id for t in first}) == 25


def test_checksum_changes_ignore_the_actor_and_name_the_victim() -> None:
    before = {("app.t", "A"): ("x", 2), ("app.t", "B"): ("y", 1), ("app.s", PLATFORM): ("z", 3)}
    after = {("app.t", "A"): ("q", 3), ("app.t", "B"): ("y", 1), ("app.s", PLATFORM): ("w", 3)}
    found = changes(before, after, "A")
    assert [(c.table, c.owner) for c in found] == [("app.s", PLATFORM)]


def test_only_tables_whose_row_versions_moved_are_hashed_again() -> None:
    versions = {("app.t", "A"): ("v1", 2), ("app.s", "B"): ("v2", 1)}
    moved = {("app.t", "A"): ("v1", 2), ("app.s", "B"): ("v3", 1), ("app.s", "C"): ("v4", 1)}
    assert touched(versions, moved) == {"app.s"}
    assert touched(versions, {**versions, ("app.t", "A"): ("v9", 3)}, "A") == set()
    full = {("app.t", "A"): ("x", 2), ("app.s", "B"): ("y", 1)}
    fresh = {("app.s", "B"): ("y", 1), ("app.s", "C"): ("z", 1)}
    after = merged(full, {"app.s"}, fresh)
    assert after == {("app.t", "A"): ("x", 2), ("app.s", "B"): ("y", 1), ("app.s", "C"): ("z", 1)}
    assert [c.owner for c in changes(full, after, "A")] == ["C"]


def test_matrix_keeps_the_worst_result() -> None:
    rec = MatrixRecorder()
    rec.record("app.t", "UPDATE", "authenticated", own="allowed", other="denied")
    rec.record("app.t", "UPDATE", "authenticated", other="leaked")
    rec.record("app.t", "UPDATE", "authenticated", other="denied")
    cell = rec.freeze().cell("app.t", "UPDATE", "authenticated")
    assert cell is not None and (cell.own, cell.other, cell.tries) == ("allowed", "leaked", 3)


def test_probes_have_unique_ids_in_the_probe_range() -> None:
    probes = get_probes()
    ids = [p.id for p in probes]
    assert len(set(ids)) == len(ids) and all(i.startswith("RLS1") for i in ids)
    assert all(p.stage.value == "probe" for p in probes)


def test_probe_settings_are_validated(tmp_path) -> None:
    config = resolve({"probe_profile": "deep", "adversary": "sql", "probe_tenants": 50},
                     environ={}, cwd=tmp_path)  # fmt: skip
    assert (config.probe_profile, config.adversary, config.probe_tenants) == ("deep", "sql", 50)
    assert resolve({}, environ={"RLS_AUDIT_PROBES": "false"}, cwd=tmp_path).probes is False
    with pytest.raises(ConfigError):
        resolve({"context_mode": "cookie"}, environ={}, cwd=tmp_path)
