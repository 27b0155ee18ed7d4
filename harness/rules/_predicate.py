"""What a policy predicate means for tenant isolation, read from its parsed form.

The input is `pg_get_expr` text (schema-qualified, because the snapshot pins search_path
to pg_catalog), parsed with sqlglot's PostgreSQL dialect. The analysis is conservative:
a predicate *restricts* the tenant only when every row it admits has the tenant key equal
to a session context value (a tenant GUC, a JWT claim, a function reading them), or is
tied to the context through a membership sub-select, EXISTS or a helper function that
takes the tenant key. Anything it cannot prove is reported, never assumed safe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.simplify import simplify

ContextKind = Literal["tenant", "identity"]
DisjunctKind = Literal["restricts", "null-context", "constant-true", "other"]
_JSON = (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar)
_COMPARE = (exp.EQ, exp.NullSafeEQ)
_USER_CLAIMS = ("user_metadata", "raw_user_meta_data")
_TENANT_WORDS = ("tenant", "org", "account", "workspace", "team", "company")


@dataclass(frozen=True, eq=False)
class Knowledge:
    """What the catalog says about the functions a predicate may call."""

    context: Mapping[str, ContextKind] = field(default_factory=dict)
    """Functions (`schema.name`) that return session context, and of which kind."""
    volatility: Mapping[str, str] = field(default_factory=dict)
    tenant_gucs: frozenset[str] = frozenset({"app.current_tenant_id"})

    def lookup(self, name: str, table: Mapping[str, object]) -> object | None:
        return table.get(name) or (table.get(f"public.{name}") if "." not in name else None)


@dataclass(frozen=True, slots=True)
class Disjunct:
    text: str
    kind: DisjunctKind


@dataclass(frozen=True, slots=True)
class ContextRead:
    """A `current_setting(...)` call: which setting, and whether it can raise."""

    setting: str
    missing_ok: bool
    unguarded_cast: bool
    """Cast straight to a type ('' for a reset setting makes the cast fail)."""


@dataclass(frozen=True)
class Analysis:
    text: str
    parsed: bool = True
    restricts: bool = False
    always_true: bool = False
    disjuncts: tuple[Disjunct, ...] = ()
    wrong_columns: tuple[str, ...] = ()
    """Columns other than the tenant key compared with a tenant context."""
    per_row_calls: tuple[str, ...] = ()
    """Context or non-immutable calls not inside a sub-select: evaluated once per row."""
    index_defeating: tuple[str, ...] = ()
    user_claims: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    """Relations read by sub-selects, as written (`public.members`)."""
    functions: tuple[str, ...] = ()
    context_reads: tuple[ContextRead, ...] = ()
    context_sql: tuple[str, ...] = ()
    """The context side of each restricting comparison, as SQL."""


@lru_cache(maxsize=8192)
def parse(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, dialect="postgres")
    except (ParseError, TokenError, ValueError):
        return None


def call_name(node: exp.Expression) -> str | None:
    """`schema.fn` for a qualified call, `fn` for a bare one, None for anything else."""
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        return f"{node.this.name}.{_func_name(node.expression)}".lower()
    if isinstance(node, exp.Anonymous) and not (
        isinstance(node.parent, exp.Dot) and node.parent.expression is node
    ):
        return _func_name(node)
    return None


def _func_name(func: exp.Func) -> str:
    return (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()


def _call_args(node: exp.Expression) -> list[exp.Expression]:
    func = node.expression if isinstance(node, exp.Dot) else node
    return list(func.expressions)


def _literal(node: exp.Expression | None) -> str | None:
    while isinstance(node, (exp.Cast, exp.Paren)):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        return node.this
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    return None


def strip(node: exp.Expression) -> exp.Expression:
    """Remove wrappers that keep a value's meaning: parens, casts, aliases, scalar
    sub-selects without FROM, and NULLIF(x, '')."""
    while True:
        if isinstance(node, (exp.Paren, exp.Cast, exp.Alias)):
            node = node.this
        elif isinstance(node, exp.Subquery) and _scalar_select(node.this):
            node = node.this.expressions[0]
        elif isinstance(node, exp.Select) and _scalar_select(node):
            node = node.expressions[0]
        elif isinstance(node, exp.Nullif):
            node = node.this
        else:
            return node


def _scalar_select(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Select)
        and len(node.expressions) == 1
        and not node.args.get("from_")
        and not node.args.get("from")
    )


class _Reader:
    """One predicate, read against one table's tenant key."""

    def __init__(self, key: str, table: str, known: Knowledge) -> None:
        self.key, self.table, self.known = key.lower(), table.lower(), known

    # -- what counts as the tenant context ------------------------------------
    def context_kind(self, node: exp.Expression) -> ContextKind | None:
        node = strip(node)
        if isinstance(node, _JSON):
            keys = [lit.this.lower() for lit in node.find_all(exp.Literal) if lit.is_string]
            root = node
            while isinstance(root, (*_JSON, exp.Paren, exp.Cast)):
                root = root.this
            if self.context_kind(root) is None:
                return None
            tenantish = any(w in k for k in keys for w in (*_TENANT_WORDS, self.key))
            return "tenant" if tenantish else "identity"
        if isinstance(node, (exp.CurrentUser,)):
            return "identity"
        name = call_name(node)
        if name is None:
            return None
        if name.rpartition(".")[2] == "current_setting":
            setting = (_literal(_call_args(node)[0]) if _call_args(node) else None) or ""
            if setting in self.known.tenant_gucs or any(w in setting for w in _TENANT_WORDS):
                return "tenant"
            identity = setting.startswith("request.jwt") or "user" in setting
            return "identity" if identity else "tenant"
        kind = self.known.lookup(name, self.known.context)
        return kind if kind in ("tenant", "identity") else None  # type: ignore[return-value]

    def mentions_context(self, node: exp.Expression) -> bool:
        return any(self.context_kind(n) for n in node.walk() if call_name(n))

    def is_key(self, node: exp.Expression, *, loose: bool = False) -> bool:
        node = strip(node) if loose else _unparen(node)
        return (
            isinstance(node, exp.Column)
            and node.name.lower() == self.key
            and node.table.lower() in ("", self.table)
        )

    # -- restriction ----------------------------------------------------------
    def restricts(self, node: exp.Expression) -> bool:
        node = _unparen(node)
        if isinstance(node, exp.And):
            return any(self.restricts(c) for c in node.flatten())
        if isinstance(node, exp.Or):
            return all(self.restricts(d) for d in node.flatten())
        if isinstance(node, _COMPARE):
            left, right = node.this, node.expression
            if isinstance(right, exp.Any):
                return self.is_key(left, loose=True) and self.mentions_context(right)
            return (self.is_key(left, loose=True) and self.context_kind(right) is not None) or (
                self.is_key(right, loose=True) and self.context_kind(left) is not None
            )
        if isinstance(node, exp.In):
            source = node.args.get("query") or exp.Tuple(expressions=node.expressions)
            return self.is_key(node.this, loose=True) and self.mentions_context(source)
        if isinstance(node, exp.Exists):
            correlated = any(
                isinstance(c, exp.Column)
                and c.name.lower() == self.key
                and c.table.lower() == self.table
                for c in node.find_all(exp.Column)
            )
            return correlated and self.mentions_context(node)
        name = call_name(node)
        if name and self.known.lookup(name, self.known.context):
            return any(self.is_key(a, loose=True) for a in _call_args(node))
        return False

    def null_context(self, node: exp.Expression) -> bool:
        """`ctx IS NULL`, `ctx = ''`, `NOT (ctx IS NOT NULL)`: admits a missing context."""
        node = _unparen(node)
        if isinstance(node, exp.Not):
            inner = _unparen(node.this)
            return isinstance(inner, exp.Is) and self._is_null_test(inner, negated=True)
        if isinstance(node, exp.Is):
            return self._is_null_test(node, negated=False)
        if isinstance(node, exp.EQ):
            pairs = ((node.this, node.expression), (node.expression, node.this))
            return any(_literal(b) == "" and self.context_kind(a) for a, b in pairs)
        return False

    def _is_null_test(self, node: exp.Is, *, negated: bool) -> bool:
        """`ctx IS NULL` (or, under a NOT, `ctx IS NOT NULL`)."""
        if not isinstance(node.expression, exp.Null):
            return False
        return bool(node.args.get("negate")) == negated and self.context_kind(node.this) is not None

    def disjunct_kind(self, node: exp.Expression) -> DisjunctKind:
        if self.restricts(node):
            return "restricts"
        if always_true(node):
            return "constant-true"
        return "null-context" if self.null_context(node) else "other"

    # -- details --------------------------------------------------------------
    def comparisons(self, root: exp.Expression) -> Iterator[tuple[exp.Expression, exp.Expression]]:
        """(column side, context side) of each comparison with a context value."""
        for node in root.find_all(*_COMPARE):
            for col, ctx in ((node.this, node.expression), (node.expression, node.this)):
                if not isinstance(ctx, exp.Any) and self.context_kind(ctx):
                    yield col, ctx

    def per_row(self, root: exp.Expression) -> list[str]:
        found = []
        for node in root.walk():
            name = call_name(node)
            if not name or node.find_ancestor(exp.Select, exp.Subquery):
                continue
            parent_call = node.find_ancestor(exp.Anonymous, exp.Dot)
            if parent_call is not None and call_name(parent_call):
                continue  # report the outermost call only
            vol = self.known.lookup(name, self.known.volatility)
            if self.context_kind(node) or vol in ("stable", "volatile"):
                found.append(node.sql(dialect="postgres"))
        return found

    def index_defeating(self, root: exp.Expression) -> list[str]:
        """Comparisons on the tenant key that an index on it cannot serve."""
        found = []
        for node in root.find_all(*_COMPARE):
            for col, other in ((node.this, node.expression), (node.expression, node.this)):
                columns = [c for c in col.find_all(exp.Column) if self.is_key(c)]
                if not columns or isinstance(other, exp.Any):
                    continue
                if not self.is_key(col):
                    found.append(f"{col.sql(dialect='postgres')}: the tenant key is wrapped")
                found.extend(
                    f"{n.sql(dialect='postgres')}: VOLATILE, evaluated per row"
                    for n in other.walk()
                    if (name := call_name(n))
                    and self.known.lookup(name, self.known.volatility) == "volatile"
                    and not n.find_ancestor(exp.Select)
                )
        return found

    def context_reads(self, root: exp.Expression) -> list[ContextRead]:
        reads = []
        for node in root.walk():
            name = call_name(node)
            if not name or name.rpartition(".")[2] != "current_setting":
                continue
            args = _call_args(node)
            missing_ok = len(args) > 1 and _literal(args[1]) == "true"
            cast = node.parent
            while isinstance(cast, exp.Paren):
                cast = cast.parent
            reads.append(
                ContextRead(
                    setting=(_literal(args[0]) if args else None) or "?",
                    missing_ok=missing_ok,
                    unguarded_cast=isinstance(cast, exp.Cast) and not _is_text(cast),
                )
            )
        return reads


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _opaque(node: exp.Expression) -> bool:
    """A node whose value the analysis cannot fold: a column, a sub-select, a call."""
    return isinstance(node, (exp.Column, exp.Select, exp.Func)) and not isinstance(node, exp.Cast)


def _is_text(cast: exp.Cast) -> bool:
    return cast.to.this in (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR)


def _unwrap_select(node: exp.Expression) -> exp.Expression:
    """The value of `(SELECT value AS alias)`, casts kept."""
    node = _unparen(node)
    if isinstance(node, exp.Subquery) and _scalar_select(node.this):
        node = node.this.expressions[0]
    return node.this if isinstance(node, exp.Alias) else node


def always_true(node: exp.Expression) -> bool:
    node = _unparen(node)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Or):
        return any(always_true(d) for d in node.flatten())
    if isinstance(node, exp.And):
        return all(always_true(c) for c in node.flatten())
    if any(_opaque(n) for n in node.walk()):
        return False
    try:
        return isinstance(simplify(node.copy()), exp.Boolean) and bool(simplify(node.copy()).this)
    except Exception:  # simplify is best effort on odd constant expressions
        return False


def _disjuncts(node: exp.Expression) -> list[exp.Expression]:
    node = _unparen(node)
    return list(node.flatten()) if isinstance(node, exp.Or) else [node]


def _table_key(text: str, table: str) -> str:
    """The table name matters only where the text qualifies a column with it; leaving it
    out otherwise lets a thousand tables with the same policy text share one analysis."""
    return table if table.lower() in text.lower() else ""


def analyse(text: str, key: str, table: str, known: Knowledge) -> Analysis:
    """Everything the rules need to know about one predicate on one table."""
    return _analyse(text, key, _table_key(text, table), known)


@lru_cache(maxsize=16384)
def _analyse(text: str, key: str, table: str, known: Knowledge) -> Analysis:
    tree = parse(text)
    if tree is None:
        return Analysis(text=text, parsed=False)
    reader = _Reader(key, table, known)
    disjuncts = tuple(
        Disjunct(d.sql(dialect="postgres"), reader.disjunct_kind(d)) for d in _disjuncts(tree)
    )
    wrong = []
    context_sql = []
    for col, ctx in reader.comparisons(tree):
        column = strip(col)
        if reader.is_key(col, loose=True):
            context_sql.append(_unwrap_select(ctx).sql(dialect="postgres"))
        elif (
            isinstance(column, exp.Column)
            and column.table.lower() in ("", reader.table)
            and reader.context_kind(ctx) == "tenant"
        ):
            wrong.append(column.name)
    claims = [
        lit.this
        for lit in tree.find_all(exp.Literal)
        if lit.is_string and lit.this.lower() in _USER_CLAIMS
    ] + [c.name for c in tree.find_all(exp.Column) if c.name.lower() in _USER_CLAIMS]
    tables = [".".join(p for p in (t.db, t.name) if p) for t in tree.find_all(exp.Table) if t.name]
    functions = [n for node in tree.walk() if (n := call_name(node))]
    return Analysis(
        text=text,
        restricts=reader.restricts(tree),
        always_true=always_true(tree),
        disjuncts=disjuncts,
        wrong_columns=tuple(dict.fromkeys(wrong)),
        per_row_calls=tuple(dict.fromkeys(reader.per_row(tree))),
        index_defeating=tuple(dict.fromkeys(reader.index_defeating(tree))),
        user_claims=tuple(dict.fromkeys(claims)),
        tables=tuple(dict.fromkeys(tables)),
        functions=tuple(dict.fromkeys(functions)),
        context_reads=tuple(reader.context_reads(tree)),
        context_sql=tuple(dict.fromkeys(context_sql)),
    )
