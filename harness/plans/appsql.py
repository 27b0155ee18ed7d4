"""Application SQL in the plan stage: which tenant tables it reads, and its parameters
bound to the tenant it is explained as.

The application sends `WHERE tenant_id = $1` (or `%s`, `%(name)s`, `:name`) with the
tenant's id; that is the one value the plan stage knows, so those parameters are bound
to it. A statement with any other parameter is explained as a generic plan where the
server has one (EXPLAIN (GENERIC_PLAN), PostgreSQL 16), and otherwise skipped with the
reason recorded: never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from ..catalog import Catalog
from ..lint.sources import sources_of, walk
from ..lint.split import split_chunks

AppInput = Mapping[str, Sequence[str]] | Iterable[tuple[str, str | None]]
"""`schema.table` -> statements (the original form), or (sql text, location) pairs."""
_READS = ("select", "with", "update", "delete", "insert", "merge", "table", "values")


@dataclass(frozen=True, slots=True)
class AppQuery:
    text: str
    location: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedQuery:
    """An application statement the plan stage did not explain, and why."""

    text: str
    location: str | None
    table: str | None
    reason: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "sql": self.text,
            "location": self.location,
            "table": self.table,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Bound:
    """A statement ready for EXPLAIN as one tenant, or the reason it is not."""

    text: str
    generic: bool = False
    """Parameters remain ($1..$n): only EXPLAIN (GENERIC_PLAN) can plan it."""
    reason: str | None = None


def app_statements(paths: Iterable[Path | str]) -> Iterator[tuple[str, str]]:
    """(statement, `path:line:column`) for every statement of the files and directories
    `rls-audit lint` reads (.sql files, SQL literals of .py files)."""
    for path in walk(paths):
        for source in sources_of(path):
            if source.markers:  # composed in Python: not a statement the server can plan
                continue
            for chunk in split_chunks(source.text):
                text = source.text[chunk.code : chunk.end].strip().rstrip(";").strip()
                if text.split(None, 1)[0].lower() in _READS if text else False:
                    line, column = source.locate(chunk.code)
                    yield text, f"{source.path}:{line}:{column}"


def by_table(
    app: AppInput | None, catalog: Catalog, tables: Sequence[str]
) -> tuple[dict[str, list[AppQuery]], list[SkippedQuery]]:
    """The statements per tenant table they read (a statement reading two is explained
    under each); statements that cannot be parsed are skipped with the reason."""
    out: dict[str, list[AppQuery]] = {}
    skipped: list[SkippedQuery] = []
    if app is None:
        return out, skipped
    if isinstance(app, Mapping):
        for table, statements in app.items():
            out.setdefault(table, []).extend(AppQuery(s) for s in statements)
        return out, skipped
    wanted = set(tables)
    for text, location in app:
        try:
            tree = sqlglot.parse_one(text, dialect="postgres")
        except sqlglot.errors.SqlglotError as exc:
            reason = f"not parsed: {str(exc).splitlines()[0] if str(exc) else 'syntax'}"
            skipped.append(SkippedQuery(text, location, None, reason))
            continue
        for name in read_tables(tree, catalog):
            if name in wanted:
                out.setdefault(name, []).append(AppQuery(text, location))
    return out, skipped


def read_tables(tree: exp.Expression, catalog: Catalog) -> list[str]:
    """Qualified names of the catalog tables a statement names (unqualified names are
    looked up in public, then any schema that has exactly one table of that name)."""
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    names: list[str] = []
    for ref in tree.find_all(exp.Table):
        if not ref.name or (not ref.db and ref.name in ctes):
            continue
        if ref.db:
            name = f"{ref.db}.{ref.name}"
        else:
            matches = [t.qualified_name for t in catalog.tables if t.name == ref.name]
            public = f"public.{ref.name}"
            name = public if public in matches else (matches[0] if len(matches) == 1 else "")
        if name and name not in names:
            names.append(name)
    return names


def bind(text: str, tenant_column: str, tenant: str, *, generic_plans: bool) -> Bound:
    """`text` with every parameter compared with the tenant column replaced by the tenant
    (as a literal); other parameters renumbered $1..$n for a generic plan, or a reason."""
    try:
        tree = sqlglot.parse_one(text, dialect="postgres")
    except sqlglot.errors.SqlglotError:
        return Bound(text, reason="not parsed by sqlglot, so its parameters cannot be bound")
    params = list(tree.find_all(exp.Parameter, exp.Placeholder, bfs=False))  # text order
    if not params:
        return Bound(text)
    others: list[exp.Expression] = []
    for node in params:
        if _compares_with(node, tenant_column):
            node.replace(exp.Literal.string(tenant))
        else:
            others.append(node)
    if not others:
        return Bound(tree.sql(dialect="postgres"))
    described = ", ".join(dict.fromkeys(_describe(n) for n in others))
    if not generic_plans:
        return Bound(
            text,
            reason=f"parameter {described} is not compared with {tenant_column}: it cannot "
            "be bound, and EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16",
        )
    numbers: dict[str, int] = {}
    for node in others:
        key = _describe(node) if _describe(node) != "%s" else f"%s#{id(node)}"
        number = numbers.setdefault(key, len(numbers) + 1)
        node.replace(exp.Parameter(this=exp.Literal.number(number)))
    return Bound(tree.sql(dialect="postgres"), generic=True)


def _compares_with(node: exp.Expression, column: str) -> bool:
    """`column = $1`, `$1 = t.column`, casts on either side allowed."""
    side: exp.Expression = node
    while isinstance(side.parent, exp.Cast):
        side = side.parent
    node = side
    parent = node.parent
    if not isinstance(parent, exp.EQ):
        return False
    other = parent.expression if parent.this is node else parent.this
    while isinstance(other, exp.Cast):
        other = other.this
    return isinstance(other, exp.Column) and other.name == column


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Parameter):
        return f"${node.name}"
    name = node.name
    return f":{name}" if name and name != "?" else "%s"
