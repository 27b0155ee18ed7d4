"""The lint loop: split, parse, analyse each statement, run the rules, apply suppressions.

Each statement is parsed on its own, so one that does not parse is reported (RLS303)
and the next is linted as usual. Statements are SELECT, INSERT, UPDATE, DELETE, MERGE,
TRUNCATE, COPY and EXPLAIN or PREPARE of those, the queries of CREATE VIEW /
MATERIALIZED VIEW / TABLE AS, and the SQL inside function, procedure and DO bodies;
other statements (DDL, grants, settings) are counted and skipped. A statement whose
text does not name a tenant table is not even parsed: it can hold no violation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from ..findings.check import Check
from ..findings.model import Finding, sort_findings
from .analyze import analyze
from .gctune import relaxed_gc
from .names import quiet_sqlglot, table_name
from .plpgsql import islands
from .pycompose import dynamic_names
from .rls301_missing_tenant_predicate import MissingTenantPredicate
from .rls302_insert_without_tenant import InsertWithoutTenant
from .rls303_unparseable_statement import UnparseableStatement
from .rls304_invalid_suppression import InvalidSuppression, SuppressionReport
from .routines import routine_sources
from .shape import shape
from .sources import Source, sources_of, walk
from .split import Chunk, split_chunks
from .statement import ParseProblem, Statement
from .suppress import Suppression, external_suppressions, find_suppressions
from .tenants import TenantTables

STATEMENT_RULES: tuple[type[Check], ...] = (
    MissingTenantPredicate,
    InsertWithoutTenant,
    UnparseableStatement,
)
_DML_START = re.compile(r"\s*\(*\s*(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|TABLE|VALUES)\b", re.I)
_ANALYSABLE = re.compile(
    r"\s*\(*\s*(?:SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|TABLE|VALUES|COPY|TRUNCATE)\b"
    r"|\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY|RECURSIVE|MATERIALIZED)\s+)*VIEW\b"
    r"|\s*CREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\b[^;(]*\bAS\b",
    re.I,
)
_EXPLAIN = re.compile(
    r"(?:EXPLAIN\s+(?:\([^)]*\)\s*|(?:ANALYZE|ANALYSE|VERBOSE)\s+)*"
    r"|PREPARE\s+\w+\s*(?:\([^)]*\)\s*)?AS\s+)"
    r"(?=\(*\s*(?:SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|TABLE|VALUES)\b)",
    re.I,
)
"""EXPLAIN and PREPARE wrap a query: the query is linted in place."""
_COMMAND = re.compile(
    r"\s*(?:ABORT|ALTER|ANALYZE|ANALYSE|BEGIN|CALL|CHECKPOINT|CLOSE|CLUSTER|COMMENT|COMMIT"
    r"|CREATE|DEALLOCATE|DECLARE|DISCARD|DO|DROP|END|EXECUTE|EXPLAIN|FETCH|GRANT|IMPORT"
    r"|LISTEN|LOAD|LOCK|MOVE|NOTIFY|PREPARE|REASSIGN|REFRESH|REINDEX|RELEASE|RESET|REVOKE"
    r"|ROLLBACK|SAVEPOINT|SECURITY|SET|SHOW|START|TRUNCATE|UNLISTEN|VACUUM)\b",
    re.I,
)
"""PostgreSQL commands that are not queries; any other first word is linted (and most
likely reported as unparseable, as it is no SQL at all)."""
_QUERY_TYPES = (
    exp.Query,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Copy,
    exp.TruncateTable,
)


@dataclass
class LintResult:
    findings: list[Finding]
    tenant_tables: TenantTables
    files: int = 0
    """Inputs linted: files, catalog objects, pg_stat_statements entries."""
    statements: int = 0
    notes: list[str] = field(default_factory=list)
    """One-line remarks for the user (a source that could not be read, ...)."""


def rule_names() -> dict[str, str]:
    """Every accepted spelling of a lint rule (id or name) -> its id."""
    out = {}
    for rule in (*STATEMENT_RULES, InvalidSuppression):
        out[rule.id] = rule.id
        out[rule.name] = rule.id
    return out


class Linter:
    """Lints SQL sources against one set of tenant tables."""

    def __init__(self, tenants: TenantTables) -> None:
        self.tenants = tenants
        self.rules = [rule() for rule in STATEMENT_RULES]
        self.suppression_rule = InvalidSuppression()
        self.names = rule_names()
        dialect = Dialect.get_or_raise("postgres")
        self._tokenizer = dialect.tokenizer()
        self._parser = dialect.parser()
        self.statements = 0
        self._tenant_names = frozenset(n.lower() for n in tenants.names())
        names = sorted(self._tenant_names, key=len, reverse=True)
        self._names_in = re.compile("|".join(map(re.escape, names)) or "(?!)").search
        self._skim = False
        """Only count statements (their ordinals), do not lint them."""
        quiet_sqlglot()

    # -- entry points ----------------------------------------------------------------

    def lint_paths(self, paths: Iterable[Path | str], extra: Iterable[Source] = ()) -> LintResult:
        """Lint files and directories, then `extra` sources (each its own file)."""
        findings: list[Finding] = []
        files = 0
        for path in walk(paths):
            files += 1
            findings.extend(self.lint_file(str(path), sources_of(path)))
        for source in extra:
            files += 1
            findings.extend(self.lint_file(source.path, [source]))
        return LintResult(sort_findings(findings), self.tenants, files, self.statements)

    def lint_file(self, path: str, sources: list[Source]) -> list[Finding]:
        """Lint the sources of one file; host-language suppressions span all of them."""
        with relaxed_gc():
            return self._lint_file(path, sources)

    def _lint_file(self, path: str, sources: list[Source]) -> list[Finding]:
        external = {
            (e.line, e.column): e for s in sources for e in s.external
        }  # one comment may sit above several literals
        ext_sups = external_suppressions(
            ((e.text, e.line, e.column) for e in external.values()), self.names
        )
        index = {key: n for n, key in enumerate(external)}
        findings: list[Finding] = []
        used_ext: set[int] = set()
        seen: Counter[str] = Counter()  # identical statements of a file, told apart
        for source in sources:
            mine = {index[(e.line, e.column)] for e in source.external}
            findings.extend(self._lint_source(source, ext_sups, mine, used_ext, seen))
        if ext_sups:
            report = SuppressionReport(path, tuple(ext_sups), frozenset(used_ext))
            findings.extend(self.suppression_rule.check(report))
        return findings

    def lint_text(self, text: str, path: str = "<sql>") -> list[Finding]:
        return sort_findings(self.lint_file(path, [Source(path, text)]))

    # -- one source ------------------------------------------------------------------

    def _lint_source(
        self,
        source: Source,
        ext_sups: list[Suppression],
        mine: set[int],
        used_ext: set[int],
        seen: Counter[str],
    ) -> list[Finding]:
        """`ext_sups` are the file's host-language suppressions; those in `mine` cover
        this source."""
        chunks = list(split_chunks(source.text))
        raw = self.raw_findings(source, chunks, seen)
        return self.finish_source(source, chunks, raw, ext_sups, mine, used_ext)

    def raw_findings(
        self,
        source: Source,
        chunks: list[Chunk],
        seen: Counter[str],
        first: int = 0,
    ) -> list[tuple[int, Finding]]:
        """(chunk index, finding) for `chunks`, suppressions not yet applied. A worker of
        a parallel run lints a slice of a file: its chunks, numbered from `first`, with
        `seen` counting the statements before it (their ordinals make fingerprints)."""
        raw: list[tuple[int, Finding]] = []
        for i, chunk in enumerate(chunks, first):
            for stmt in self._statements(source, chunk.code, chunk.end, seen):
                analysis = stmt.analysis
                if stmt.error is None and not analysis.unrestricted and not analysis.missing_tenant:
                    continue  # the common case: no rule has anything to say
                for rule in self.rules:
                    raw.extend((i, f) for f in rule.check(stmt))
        return raw

    def statement_keys(self, source: Source, chunks: list[Chunk]) -> list[list[str]]:
        """The keys (stripped texts) of each chunk's statements, read without parsing:
        what a parallel run needs to number the statements of each slice."""
        keys: list[list[str]] = []
        seen: Counter[str] = Counter()
        self._skim = True
        try:
            for chunk in chunks:
                keys.append(
                    [s.text.strip() for s in self._statements(source, chunk.code, chunk.end, seen)]
                )
        finally:
            self._skim = False
        return keys

    def finish_source(
        self,
        source: Source,
        chunks: list[Chunk],
        raw: list[tuple[int, Finding]],
        ext_sups: list[Suppression],
        mine: set[int],
        used_ext: set[int],
    ) -> list[Finding]:
        """Suppressions applied to a source's raw findings, then the unused ones reported."""
        sups = find_suppressions(source, chunks, self.names)
        used: set[int] = set()
        out = []
        for i, finding in raw:
            out.append(self._suppress(finding, i, sups, used, ext_sups, mine, used_ext))
        if sups:
            report = SuppressionReport(source.path, tuple(sups), frozenset(used))
            out.extend(self.suppression_rule.check(report))
        return out

    @staticmethod
    def _suppress(
        finding: Finding,
        chunk: int,
        sups: list[Suppression],
        used: set[int],
        ext_sups: list[Suppression],
        mine: set[int],
        used_ext: set[int],
    ) -> Finding:
        for n, sup in enumerate(sups):
            if sup.problem is None and sup.chunk == chunk and finding.rule in sup.rules:
                used.add(n)
                return replace(finding, suppressed=sup.reason)
        for n in sorted(mine):
            sup = ext_sups[n]
            if sup.problem is None and finding.rule in sup.rules:
                used_ext.add(n)
                return replace(finding, suppressed=sup.reason)
        return finding

    def _statements(
        self, source: Source, code: int, end: int, seen: Counter[str]
    ) -> Iterator[Statement]:
        """The statements to check in source.text[code:end] (several for a routine)."""
        if source.language == "plpgsql":
            body = source.text[code:end]
            for offset, text in islands(body):
                yield self._statement(source, code + offset, text, seen)
            return
        children = routine_sources(source, code, end)
        if children is not None:
            for child in children:
                for chunk in split_chunks(child.text):
                    yield from self._statements(child, chunk.code, chunk.end, seen)
            return
        text = source.text[code:end]
        explain = _EXPLAIN.match(text)
        if explain:
            code, text = code + explain.end(), text[explain.end() :]
        yield self._statement(source, code, text, seen)

    def _statement(self, source: Source, start: int, text: str, seen: Counter[str]) -> Statement:
        key = text.strip()
        ordinal = seen[key]
        seen[key] += 1
        if self._skim:
            return Statement(source, start, text, ordinal=ordinal)
        self.statements += 1
        if not _ANALYSABLE.match(text) and _COMMAND.match(text):  # DDL, grants, settings
            return Statement(source, start, text, ordinal=ordinal)
        lowered = text.lower()
        markers = {m: shown for m, shown in source.markers if m in text} if source.markers else {}
        if not markers and not self._names_in(lowered):
            return Statement(source, start, text, ordinal=ordinal)  # nothing to find
        try:
            tokens = self._tokenizer.tokenize(text)
            trees = self._parser.parse(tokens, text)
        except (ParseError, TokenError) as exc:
            problem = _problem(exc, text)
            if markers:
                shown = ", ".join(markers.values())
                problem = replace(
                    problem,
                    message=f"{problem.message} (the SQL is composed in Python: "
                    f"{shown} read as values)",
                )
            return Statement(source, start, text, error=problem, ordinal=ordinal)
        tree = trees[0] if trees and trees[0] is not None else None
        if tree is None:
            tree = next((t for t in trees if t is not None), None)
        if markers:
            problem = dynamic_names(tree, text, markers, self._is_tenant)
            if problem is not None:
                return Statement(source, start, text, error=problem, ordinal=ordinal)
        if isinstance(tree, (exp.Delete, exp.Update)) and not isinstance(tree.this, exp.Expression):
            problem = ParseProblem("the statement names no table to write (DELETE needs FROM)", 0)
            return Statement(source, start, text, error=problem, ordinal=ordinal)
        query = _query_of(tree)
        if query is None:
            if isinstance(tree, exp.Command) and _DML_START.match(text):
                problem = ParseProblem("the parser does not support this statement's syntax", 0)
                return Statement(source, start, text, error=problem, ordinal=ordinal)
            return Statement(source, start, text, ordinal=ordinal)
        analysis = analyze(
            query,
            self.tenants,
            variables=source.variables,
            variables_first=source.language == "plpgsql",
            shape=shape(tokens, self._tenant_names) if query is tree else None,
            markers=markers,
        )
        context = _created(tree) if query is not tree else ""
        return Statement(source, start, text, analysis, ordinal=ordinal, context=context)

    def _is_tenant(self, table: exp.Table) -> bool:
        return self.tenants.lookup(*table_name(table)) is not None


def _query_of(tree: exp.Expression | None) -> exp.Expression | None:
    """The part of a statement to analyse: the statement, or the query of a CREATE."""
    if isinstance(tree, _QUERY_TYPES):
        return tree
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
        return tree.expression
    return None


def _created(tree: exp.Expression | None) -> str:
    """`view public.v` for CREATE VIEW public.v AS ..., the object a statement defines."""
    if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Table):
        return ""
    props = tree.args.get("properties")
    materialized = props is not None and any(
        isinstance(p, exp.MaterializedProperty) for p in props.expressions
    )
    kind = str(tree.args.get("kind") or "").lower()
    kind = f"materialized {kind}" if materialized else kind
    return f"{kind} {tree.this.sql(dialect='postgres')}"


def _problem(exc: ParseError | TokenError, text: str) -> ParseProblem:
    errors = getattr(exc, "errors", None) or []
    if not errors:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ParseProblem(first[:200], 0)
    err = errors[0]
    line, col = int(err.get("line") or 1), int(err.get("col") or 1)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    offset = starts[min(line, len(starts)) - 1] + col - 1
    offset -= max(len(err.get("highlight") or "") - 1, 0)
    near = (err.get("highlight") or "").strip()
    message = str(err.get("description") or "syntax error")
    return ParseProblem(f"{message}" + (f" at {near!r}" if near else ""), max(offset, 0))
