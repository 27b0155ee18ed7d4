"""Query lint benchmark: prints figures, asserts nothing.

Generates N statements over the bundled schema's tenant tables, every one naming a
tenant table (so none is skipped by the lint's text pre-filter), about one in eight
violating, in every parameter style. The mix is stated in the output: by default 70%
flat statements (selects with joins chained by tenant, UPDATE, UPDATE ... FROM, DELETE
... USING, INSERT, MERGE from a table) and 30% nested ones (CTE, correlated EXISTS,
UNION, LATERAL, INSERT ... SELECT, MERGE from a subquery), which need sqlglot's scope
module. In the same run, on the same statements, it measures:

- bare sqlglot parsing, `sqlglot.parse_one(stmt, dialect="postgres")` per statement,
  and the same with one tokenizer and parser reused (the lint's own way of parsing);
- the whole lint (split, parse, analysis, rules, findings) of the statements as one
  script, for the mix and for each class alone;
- for the mix, bare parse_one under the garbage-collector setting the lint uses while it
  runs (harness/lint/gctune.py), so that its share of the gain is plain to see.

CPU time (time.process_time) of blocks of statements, each block run by every function
back to back and its best of N runs kept, so that other load on the machine does not
count. Target: the lint costs at most twice the parse and runs at
least 2,000 statements/s, in ONE process: these are the "single process" figures.

Then the "parallel" figures (`rls-audit lint --jobs N`): the mix written as one .sql file
and as a directory of 100 files, linted by one process and by N, in wall-clock time
(the workers' CPU time is not the parent's), best of the rounds, side by side. They
depend on the free cores of the machine; they are not the target's figures.

Run: python benchmarks/lint.py [--statements 10000] [--nested 0.3] [--rounds 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlglot
from sqlglot.dialects.dialect import Dialect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.lint import tenant_tables_from_ddl  # noqa: E402
from harness.lint.engine import Linter  # noqa: E402
from harness.lint.gctune import relaxed_gc  # noqa: E402
from harness.lint.parallel import cpus, lint_parallel  # noqa: E402
from harness.lint.tenants import TenantTables  # noqa: E402

PARAMS = (
    "$1",
    "%s",
    "%(tenant_id)s",
    ":tenant_id",
    "current_setting('app.current_tenant_id')::uuid",
)


def _shapes(rng: random.Random, tenants: TenantTables) -> tuple[list[str], list[str]]:
    """(flat, nested) statements of every shape; names from the schema."""
    tables = [t for t in tenants.tables if t.kind == "table" and len(t.columns) > 3]
    a, b, c = rng.sample(tables, 3)
    t = rng.choice(PARAMS)
    x = rng.choice([col for col in a.columns if col not in ("tenant_id", "id")])
    y = rng.choice([col for col in b.columns if col not in ("tenant_id", "id")])
    bad = rng.random() < 0.125
    on_b = f"b.id = a.{x}" if bad else f"b.tenant_id = a.tenant_id AND b.id = a.{x}"
    flat = [
        f"SELECT a.id, a.{x} FROM {a.name} a WHERE a.tenant_id = {t} AND a.id = $2",
        f"SELECT a.{x}, b.{y} FROM public.{a.name} a JOIN {b.name} b ON {on_b} "
        f"WHERE a.tenant_id = {t} ORDER BY a.{x} LIMIT 50",
        f"SELECT count(*) FROM {a.name} a LEFT JOIN {b.name} b ON {on_b} "
        f"LEFT JOIN {c.name} c ON c.tenant_id = a.tenant_id AND c.id = b.id "
        f"WHERE a.tenant_id = {t} AND a.{x} IS NOT NULL",
        f"UPDATE {a.name} SET {x} = $3 WHERE tenant_id = {t} AND id = $2",
        f"UPDATE {a.name} a SET {x} = $3 FROM {b.name} b WHERE a.tenant_id = {t} AND "
        f"{'b.id = $2' if bad else 'b.tenant_id = a.tenant_id AND b.id = $2'}",
        f"DELETE FROM {a.name} a USING {b.name} b WHERE a.tenant_id = {t} AND "
        f"{'b.id = a.id' if bad else 'b.tenant_id = a.tenant_id AND b.id = a.id'}",
        f"INSERT INTO {a.name} (id, tenant_id, {x}) VALUES ($1, $2, $3)",
        f"MERGE INTO {a.name} t USING {b.name} s ON t.tenant_id = s.tenant_id "
        f"AND s.tenant_id = {t} AND t.id = s.id WHEN MATCHED THEN UPDATE SET {x} = $3",
    ]
    nested = [
        f"WITH recent AS (SELECT * FROM {a.name} WHERE tenant_id = {t} ORDER BY id DESC "
        f"LIMIT 100) SELECT r.id, count(*) FROM recent r JOIN {b.name} b ON "
        f"{'b.id = r.id' if bad else 'b.tenant_id = r.tenant_id AND b.id = r.id'} "
        f"GROUP BY r.id",
        f"SELECT * FROM {a.name} a WHERE a.tenant_id = {t} AND EXISTS (SELECT 1 FROM "
        f"{c.name} c WHERE c.tenant_id = a.tenant_id AND c.id = a.id)",
        f"SELECT id FROM {a.name} WHERE tenant_id = {t} UNION ALL SELECT id FROM {b.name} "
        f"WHERE {'id = $2' if bad else f'tenant_id = {t}'}",
        f"SELECT a.id, l.{y} FROM {a.name} a CROSS JOIN LATERAL (SELECT {y} FROM {b.name} b "
        f"WHERE b.tenant_id = a.tenant_id ORDER BY b.id LIMIT 1) l WHERE a.tenant_id = {t}",
        f"INSERT INTO {a.name} (id, tenant_id, {x}) SELECT id, tenant_id, {x} FROM "
        f"{a.name} WHERE tenant_id = {t} AND id = $2",
        f"MERGE INTO {a.name} t USING (SELECT * FROM {a.name} WHERE tenant_id = {t}) s "
        f"ON t.tenant_id = s.tenant_id AND t.id = s.id WHEN MATCHED THEN UPDATE SET {x} = s.{x}",
    ]
    return flat, nested


def statements(
    n: int, seed: int, tenants: TenantTables, nested_share: float
) -> tuple[list[str], list[str]]:
    """(flat, nested) statements, `nested_share` of the n nested."""
    rng = random.Random(seed)
    want_nested = round(n * nested_share)
    flat: list[str] = []
    nested: list[str] = []
    while len(flat) < n - want_nested or len(nested) < want_nested:
        f, s = _shapes(rng, tenants)
        flat.extend(f)
        nested.extend(s)
    return flat[: n - want_nested], nested[:want_nested]


def _best_blocks(
    fns: dict[str, Callable[[list[str]], object]], stmts: list[str], rounds: int, size: int
) -> dict[str, float]:
    """CPU seconds per function over all statements: each block of `size` statements is
    run by every function back to back (so a burst of other load hits them alike), and
    each block's fastest of `rounds` runs counts."""
    blocks = [stmts[i : i + size] for i in range(0, len(stmts), size)]
    best = {key: [float("inf")] * len(blocks) for key in fns}
    for _ in range(rounds):
        for b, block in enumerate(blocks):
            for key, fn in fns.items():
                started = time.process_time()
                fn(block)
                best[key][b] = min(best[key][b], time.process_time() - started)
    return {key: sum(times) for key, times in best.items()}


def _compiled() -> str:
    """Which of the modules the lint and the bare parse both run are mypyc-compiled: the
    ratio is fair only if both use the same (compiled) parser."""
    import sqlglot.expressions.core
    import sqlglot.optimizer.scope
    import sqlglot.tokenizer_core

    modules = {
        "parser": sqlglot.parser,
        "tokenizer": sqlglot.tokenizer_core,
        "expressions": sqlglot.expressions.core,
        "scope": sqlglot.optimizer.scope,
    }
    return ", ".join(
        f"{name} {'yes' if str(mod.__file__).endswith(('.so', '.pyd')) else 'NO'}"
        for name, mod in modules.items()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--statements", type=int, default=10_000)
    ap.add_argument("--nested", type=float, default=0.3, help="share of nested statements")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3, help="best of N runs of each block")
    ap.add_argument("--block", type=int, default=250, help="statements per timed block")
    ap.add_argument("--jobs", type=int, default=0, help="processes of the parallel run (0: CPUs)")
    args = ap.parse_args()

    tenants = tenant_tables_from_ddl([ROOT / "schema"])
    flat, nested = statements(args.statements, args.seed, tenants, args.nested)
    rng = random.Random(args.seed)
    mix = flat + nested
    rng.shuffle(mix)
    print(f"sqlglot {sqlglot.__version__}, compiled by sqlglotc: {_compiled()}")
    print(
        f"{len(mix)} statements over {len(tenants)} tenant tables of schema/: "
        f"{len(flat)} flat, {len(nested)} nested; CPU time, best of {args.rounds} runs per block"
    )
    dialect = Dialect.get_or_raise("postgres")
    tokenizer, parser = dialect.tokenizer(), dialect.parser()
    linter = Linter(tenants)
    same = type(linter._parser) is type(parser) and type(parser) is type(
        Dialect.get_or_raise("postgres").parser()
    )
    print(f"lint and bare parse use the same parser class: {'yes' if same else 'NO'}")
    found = {"findings": 0}

    def parse_one(block: list[str]) -> None:
        for stmt in block:  # each tree dropped at once, as the lint drops its own
            sqlglot.parse_one(stmt, dialect="postgres")

    def parse_reused(block: list[str]) -> None:
        for stmt in block:
            parser.parse(tokenizer.tokenize(stmt), stmt)

    def lint(block: list[str]) -> None:
        found["findings"] = len(linter.lint_text(";\n".join(block) + ";\n", "bench.sql"))

    def parse_one_gc(block: list[str]) -> None:
        with relaxed_gc():
            parse_one(block)

    fns = {"one": parse_one, "reused": parse_reused, "lint": lint}
    print("SINGLE PROCESS (the target: lint/parse_one <= 2.00x, lint >= 2,000 s/s), CPU time:")
    print(f"{'':8}{'parse_one':>16}{'reused parser':>16}{'lint':>12}  lint/parse_one  lint/reused")
    gc_note = ""
    for name, stmts in (("mix", mix), ("flat", flat), ("nested", nested)):
        timed = {**fns, "one_gc": parse_one_gc} if name == "mix" else fns
        best = _best_blocks(timed, stmts, args.rounds, args.block)
        if name == "mix":
            gc_note = (
                f"(the lint relaxes the GC while it runs, harness/lint/gctune.py; parse_one "
                f"with the same setting: {len(stmts) / best['one_gc']:,.0f} s/s, "
                f"lint/that {best['lint'] / best['one_gc']:.2f}x on the mix)"
            )
        n = len(stmts)
        print(
            f"{name:8}{n / best['one']:12,.0f} s/s{n / best['reused']:12,.0f} s/s"
            f"{n / best['lint']:8,.0f} s/s"
            f"  {best['lint'] / best['one']:13.2f}x  {best['lint'] / best['reused']:10.2f}x"
        )
    print("(s/s = statements per second)")
    print(gc_note)
    _parallel(tenants, mix, args.jobs or cpus(), args.rounds)


def _parallel(tenants: TenantTables, mix: list[str], jobs: int, rounds: int) -> None:
    """Wall-clock time of `lint --jobs 1` and `--jobs N` over the mix, best of `rounds`."""
    print(
        f"PARALLEL (rls-audit lint --jobs {jobs}; {cpus()} CPUs here), wall-clock time "
        "including process start, best of the rounds; not the single-process target:"
    )
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp, "one.sql")
        one.write_text(";\n".join(mix) + ";\n")
        many = Path(tmp, "many")
        many.mkdir()
        size = -(-len(mix) // 100)
        for n in range(0, len(mix), size):
            Path(many, f"q{n:06}.sql").write_text(";\n".join(mix[n : n + size]) + ";\n")
        for label, path in (("one file", one), ("100 files", many)):
            best = {1: float("inf"), jobs: float("inf")}
            for _ in range(rounds):
                for j in best:
                    started = time.perf_counter()
                    result = lint_parallel(tenants, [path], jobs=j)
                    best[j] = min(best[j], time.perf_counter() - started)
            n = result.statements
            print(
                f"{label:10} --jobs 1 {n / best[1]:8,.0f} s/s   "
                f"--jobs {jobs} {n / best[jobs]:8,.0f} s/s   speed-up {best[1] / best[jobs]:.2f}x"
            )


if __name__ == "__main__":
    main()
