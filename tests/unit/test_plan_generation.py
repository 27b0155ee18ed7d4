"""Data generation for the plan stage, without a database: types, CHECK hints, foreign
keys, skew, uniqueness, and the same values for the same seed."""

from __future__ import annotations

import random

from harness.catalog import Catalog, Column, Constraint, Index, Table
from harness.plans import _values as values
from harness.plans._batches import batches
from harness.plans._checks import table_hints
from harness.plans._graph import depths, load_order, tenant_root
from harness.plans._rows import plan_table
from harness.plans.tenants import allocate, population, tenant_count

T = "tenant_id"


def col(
    name: str, type_: str = "uuid", not_null: bool = True, default: str | None = None
) -> Column:
    return Column(name, type_, not_null, default, 0)


def table(name: str, *columns: Column, tenant: bool = True) -> Table:
    return Table("public", name, 1, "table", "postgres", True, True, T if tenant else None, columns)


def fk(
    name: str, on: str, cols: tuple[str, ...], parent: str, pcols: tuple[str, ...]
) -> Constraint:
    return Constraint(
        "public", on, name, "foreign key", cols, "", T in cols, f"public.{parent}", pcols
    )


def check(name: str, on: str, cols: tuple[str, ...], definition: str) -> Constraint:
    return Constraint("public", on, name, "check", cols, definition)


def unique(name: str, on: str, cols: tuple[str, ...], kind: str = "unique") -> Constraint:
    return Constraint("public", on, name, kind, cols, "")  # type: ignore[arg-type]


TENANTS = table("tenants", col("id"), col("name", "text"), tenant=False)
PROJECTS = table(
    "projects", col("id", default="gen_random_uuid()"), col(T), col("name", "character varying(20)")
)
TASKS = table(
    "tasks",
    col("id", default="gen_random_uuid()"),
    col(T),
    col("project_id"),
    col("reviewer_id", not_null=False),
    col("status", "character varying(10)"),
    col("score", "numeric(6,2)"),
    col("starts", "date"),
    col("ends", "date"),
    col("note", "text", not_null=False),
    col("seq", "bigint", default="nextval('tasks_seq'::regclass)"),
    col("created_at", "timestamp with time zone", default="now()"),
    col("kind", "text", default="'a'::text"),
)
CATALOG = Catalog(
    server_version_num=150000,
    database="db",
    tables=(TENANTS, PROJECTS, TASKS),
    constraints=(
        unique("projects_pkey", "projects", (T, "id"), "primary key"),
        fk("projects_tenant_fkey", "projects", (T,), "tenants", ("id",)),
        unique("tasks_pkey", "tasks", (T, "id"), "primary key"),
        fk("tasks_tenant_fkey", "tasks", (T,), "tenants", ("id",)),
        fk("tasks_project_fkey", "tasks", (T, "project_id"), "projects", (T, "id")),
        fk("tasks_reviewer_fkey", "tasks", (T, "reviewer_id"), "projects", (T, "id")),
        unique("tasks_pair_key", "tasks", (T, "project_id", "status")),
        check("tasks_status_check", "tasks", ("status",),
              "CHECK (status::text = ANY (ARRAY['open'::character varying, 'it''s'::character varying]::text[]))"),
        check("tasks_score_check", "tasks", ("score",), "CHECK (score >= 1::numeric AND score <= 5::numeric)"),
        check("tasks_dates_check", "tasks", ("ends", "starts"), "CHECK (ends > starts)"),
        check("tasks_kind_check", "tasks", ("kind",), "CHECK (kind <> ''::text)"),
    ),
    indexes=(Index("public", "tasks", "tasks_pkey", (T, "id"), unique=True, primary=True),),
)  # fmt: skip
TYPES = {c.type: values.classify(c.type) for t in CATALOG.tables for c in t.columns}


def test_classify_reads_format_type_text() -> None:
    assert values.classify("character varying(40)") == values.TypeInfo("text", length=40)
    assert values.classify("numeric(6,2)").scale == 2
    assert values.classify("integer").kind == "int" and values.classify("smallint").bits == 15
    assert values.classify("timestamp with time zone").kind == "timestamptz"
    assert values.classify("text[]").kind == "array"
    assert values.classify("public.mood").kind == "unknown"


def test_check_hints() -> None:
    hints = table_hints(CATALOG, TASKS)
    assert hints.choices["status"] == ("open", "it's")
    assert (hints.low["score"], hints.high["score"]) == (1.0, 5.0)
    assert hints.after == {"ends": "starts"}
    assert hints.constrained == {"status", "score", "ends", "starts", "kind"}
    other = Catalog(
        150000, "db", tables=(TASKS,),
        constraints=(check("c", "tasks", ("note", "reviewer_id"),
                           "CHECK (note IS NOT NULL OR reviewer_id IS NOT NULL)"),
                     check("d", "tasks", ("score",), "CHECK (score > 0::numeric)")),
    )  # fmt: skip
    hints = table_hints(other, TASKS)
    assert hints.wanted == {"note", "reviewer_id"} and hints.low["score"] == 1.0


def test_foreign_key_graph() -> None:
    tables = [TASKS, PROJECTS]
    assert tenant_root(CATALOG, tables, T) == (TENANTS, "id")
    assert [t.name for t in load_order(CATALOG, tables)] == ["projects", "tasks"]
    assert depths(CATALOG, tables) == {"public.projects": 1, "public.tasks": 2}


def test_column_plans() -> None:
    rows = plan_table(CATALOG, TASKS, TYPES, tenant_column=T, tenant_values=["a", "b"],
                      parents={"public.projects": {0: [("a", "p0")]}, "public.tenants": {}})  # fmt: skip
    how = {p.name: p.how for p in rows.plans}
    assert how == {
        "id": "gen",  # a key children may need: generated, not defaulted
        T: "tenant",
        "project_id": "fk",
        "reviewer_id": "null",  # a nullable reference is left empty
        "status": "gen",
        "score": "gen",
        "starts": "temporal",
        "ends": "temporal",
        "note": "gen",
        "seq": "omit",
        "created_at": "temporal",  # spread out, for realistic "newest first"
        "kind": "omit",  # its default satisfies its CHECK
    }
    assert rows.dedupe == [(T, "project_id", "status")]
    assert "seq" not in rows.copy_columns and "kind" not in rows.copy_columns


def test_batches_are_deterministic_unique_and_tenant_consistent() -> None:
    parents = {"public.projects": {0: [("a", "p0"), ("a", "p1")], 1: [("b", "q0")]}}
    rows = plan_table(CATALOG, TASKS, TYPES, tenant_column=T, tenant_values=["a", "b"],
                      parents=parents)  # fmt: skip

    def generate(seed: int) -> list[tuple[str, ...]]:
        out = []
        for batch in batches(rows, random.Random(seed), [0] * 50 + [1] * 50):
            out += list(zip(*(batch.columns[c] for c in rows.copy_columns), strict=True))
        return out

    first = generate(1)
    assert first == generate(1) and first != generate(2)
    names = rows.copy_columns
    got = [dict(zip(names, r, strict=True)) for r in first]
    # two projects x two statuses for tenant a, one x two for b: repeats are dropped
    assert len({(r[T], r["project_id"], r["status"]) for r in got}) == len(got) == 6
    assert all(r["project_id"] in ("p0", "p1") for r in got if r[T] == "a")
    assert all(r["project_id"] == "q0" for r in got if r[T] == "b")
    assert all(r["ends"] > r["starts"] and 1 <= float(r["score"]) <= 5 for r in got)
    assert {r["status"] for r in got} <= {"open", "it's"}


def test_values_within_bounds_and_copy_safe() -> None:
    rng = random.Random(3)
    assert set(values.integers(2, 4, unique=False)(rng, 200, 0)) == {"2", "3", "4"}
    assert values.integers(0, 10**6, unique=True)(rng, 3, 5) == ["5", "6", "7"]
    assert all(0 <= float(v) <= 1 for v in values.decimals(0, 1, 2)(rng, 100, 0))
    assert values.text("email", 255)(rng, 2, 7) == ["email7@example.test", "email8@example.test"]
    assert values.text("code", 3)(rng, 1, 36**2) == ["100"]
    assert values.escape("a\tb\\c\nd") == "a\\tb\\\\c\\nd"
    assert values.uints(random.Random(0), 2).tolist() == values.uints(random.Random(0), 2).tolist()
    stamp = values.format_instants("timestamptz", [86_400 + 3_661])[0]
    assert stamp == "2022-01-02 01:01:01+00"


def test_skewed_population() -> None:
    assert tenant_count(1_000) == 12 and tenant_count(30_000) == 75 and tenant_count(10**7) == 300
    pop = population(30_000, random.Random(1))
    assert len(pop.tenants) == 75 and len(set(pop.tenants)) == 75
    large, medium, small = (i for _, i in pop.classes)
    assert pop.weights[large] == max(pop.weights) and pop.weights[small] == min(pop.weights)
    assert pop.weights[large] > pop.weights[medium] > pop.weights[small]
    assert population(30_000, random.Random(1)) == pop


def test_allocate_is_exact_with_a_minimum() -> None:
    counts = allocate(100, [5, 3, 1, 1])
    assert sum(counts) == 100 and min(counts) >= 1 and counts[0] > counts[1] > counts[2]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0] or sum(allocate(2, [1, 1, 1])) == 2
