"""Offline tenant-table detection: replay the DDL of a schema's migrations with sqlglot.

CREATE TABLE (columns, LIKE, INHERITS, PARTITION OF, AS SELECT), CREATE FOREIGN TABLE,
CREATE MATERIALIZED VIEW and ALTER TABLE (ADD / DROP / RENAME COLUMN, RENAME TO, SET
DEFAULT) are applied in file order to a model of the relations; a relation holding rows
that ends up with the tenant column is a tenant table. Unqualified names go to the first
schema of the search path. CREATE/ALTER TABLE statements that do not parse are listed in
`skipped` so a missed table is visible, never silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from .names import ident, quiet_sqlglot, table_name
from .sources import Source, read_text
from .split import mask, split_chunks
from .tenants import ROW_KINDS, TenantTable, TenantTables

_DDL = re.compile(
    r"(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*"
    r"(?:FOREIGN\s+TABLE|TABLE|MATERIALIZED\s+VIEW|VIEW)\b",
    re.IGNORECASE,
)
_FOREIGN = re.compile(r"(CREATE\s+)FOREIGN\s+(TABLE)", re.IGNORECASE)
_CREATE_TABLE = re.compile(
    r"CREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>[\w.\"$]+)\s*\(",
    re.IGNORECASE,
)
_PARTITION_BY = re.compile(r"\)\s*PARTITION\s+BY\b", re.IGNORECASE)
_NOT_COLUMNS = frozenset(
    {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "LIKE", ""}
)
_SERVER = re.compile(r"\)\s*SERVER\b.*\Z", re.IGNORECASE | re.DOTALL)


@dataclass
class _Relation:
    kind: str
    columns: list[str] = field(default_factory=list)
    defaults: set[str] = field(default_factory=set)

    def add(self, name: str, default: bool = False) -> None:
        if name not in self.columns:
            self.columns.append(name)
        if default:
            self.defaults.add(name)


class _Replay:
    def __init__(self, search_path: tuple[str, ...]) -> None:
        self.search_path = search_path
        self.relations: dict[str, _Relation] = {}
        self.skipped: list[str] = []
        self.dialect = Dialect.get_or_raise("postgres")
        quiet_sqlglot()

    def qualify(self, table: exp.Table) -> str:
        schema, name = table_name(table)
        if schema is None:
            schema = next(
                (s for s in self.search_path if f"{s}.{name}" in self.relations),
                self.search_path[0],
            )
        return f"{schema}.{name}"

    def statement(self, source: Source, code: int, end: int) -> None:
        text = source.text[code:end]
        if not _DDL.match(text):
            return
        foreign = _FOREIGN.match(text)
        if foreign:
            text = _SERVER.sub(")", _FOREIGN.sub(r"\1\2", text, count=1))
        try:
            tree = self.dialect.parse(text)[0]
        except (ParseError, TokenError) as exc:
            if not self.columns_only(text):
                line, _ = source.locate(code)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
                self.skipped.append(f"{source.path}:{line}: {first[:160]}")
            return
        if isinstance(tree, exp.Create):
            self.create(tree, "foreign table" if foreign else None)
        elif isinstance(tree, exp.Alter) and isinstance(tree.this, exp.Table):
            self.alter(tree)

    def columns_only(self, text: str) -> bool:
        """Fallback for CREATE TABLE syntax sqlglot lacks (`ON DELETE SET NULL (col)`):
        read the column names from the top-level items of the column list."""
        text = mask(text)
        m = _CREATE_TABLE.match(text)
        if m is None:
            return False
        table = exp.to_table(m.group("name"), dialect="postgres")
        items, depth, current = [], 0, []
        for ch in text[m.end() :]:
            if depth == 0 and ch in ",)":
                items.append("".join(current))
                current = []
                if ch == ")":
                    break
                continue
            depth += (ch == "(") - (ch == ")")
            current.append(ch)
        rel = _Relation("partitioned table" if _PARTITION_BY.search(text) else "table")
        for item in items:
            words = item.split()
            if words and words[0].upper() not in _NOT_COLUMNS:
                name = words[0]
                name = name[1:-1] if name.startswith('"') else name.lower()
                rel.add(name, bool(re.search(r"\bDEFAULT\b", item, re.IGNORECASE)))
        self.relations[self.qualify(table)] = rel
        return True

    def create(self, tree: exp.Create, kind: str | None) -> None:
        this = tree.this
        table = this.this if isinstance(this, exp.Schema) else this
        if not isinstance(table, exp.Table):
            return
        props = tree.args.get("properties")
        properties = list(props.expressions) if props else []
        if str(tree.args.get("kind") or "").upper() == "VIEW":
            materialized = any(isinstance(p, exp.MaterializedProperty) for p in properties)
            kind = "materialized view" if materialized else "view"
        elif kind is None:
            partitioned = any(isinstance(p, exp.PartitionedByProperty) for p in properties)
            kind = "partitioned table" if partitioned else "table"
        rel = _Relation(kind)
        for prop in properties:
            parents: list[exp.Expression] = []
            if isinstance(prop, exp.PartitionedOfProperty):
                parents = [prop.this]
            elif isinstance(prop, exp.InheritsProperty):
                parents = list(prop.expressions)
            for parent in parents:
                self.inherit(rel, parent)
        for entry in this.expressions if isinstance(this, exp.Schema) else []:
            if isinstance(entry, exp.ColumnDef):
                rel.add(ident(entry.this), _has_default(entry))
            elif isinstance(entry, exp.LikeProperty):
                self.inherit(rel, entry.this)
        query = tree.expression
        if isinstance(query, exp.Query):
            for name in query.named_selects:
                rel.add(name.lower())
        self.relations[self.qualify(table)] = rel

    def inherit(self, rel: _Relation, parent: exp.Expression) -> None:
        if isinstance(parent, exp.Table):
            found = self.relations.get(self.qualify(parent))
            if found is not None:
                for col in found.columns:
                    rel.add(col, col in found.defaults)

    def alter(self, tree: exp.Alter) -> None:
        key = self.qualify(tree.this)
        rel = self.relations.get(key)
        if rel is None:
            return
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                rel.add(ident(action.this), _has_default(action))
            elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
                for col in action.args.get("tables") or []:
                    name = ident(col.this if isinstance(col, exp.Column) else col)
                    rel.columns = [c for c in rel.columns if c != name]
            elif isinstance(action, exp.RenameColumn):
                old, new = ident(action.this.this), ident(action.args["to"].this)
                rel.columns = [new if c == old else c for c in rel.columns]
                if old in rel.defaults:
                    rel.defaults.add(new)
            elif isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                schema = key.split(".", 1)[0]
                self.relations[f"{schema}.{table_name(action.this)[1]}"] = self.relations.pop(key)
                key = f"{schema}.{table_name(action.this)[1]}"
            elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                rel.defaults.add(ident(action.this))


def _has_default(col: exp.ColumnDef) -> bool:
    return any(
        isinstance(c.args.get("kind"), exp.DefaultColumnConstraint)
        for c in col.args.get("constraints") or []
    )


def ddl_files(paths: Iterable[Path | str]) -> list[Path]:
    """A directory's top-level *.sql files in name order (as the loader applies them)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        out.extend(
            sorted(p for p in path.glob("*.sql") if p.is_file()) if path.is_dir() else [path]
        )
    return out


def tenant_tables_from_ddl(
    paths: Iterable[Path | str],
    *,
    tenant_column: str = "tenant_id",
    search_path: tuple[str, ...] = ("public",),
) -> TenantTables:
    """Tenant tables declared by the migrations in `paths` (files or directories)."""
    paths = list(paths)
    files = ddl_files(paths)
    replay = _Replay(search_path)
    for path in files:
        source = Source(str(path), read_text(path))
        for chunk in split_chunks(source.text):
            replay.statement(source, chunk.code, chunk.end)
    tables = tuple(
        TenantTable(
            *key.split(".", 1),
            tenant_column,
            tuple(rel.columns),
            tenant_column in rel.defaults,
            rel.kind,
        )
        for key, rel in replay.relations.items()
        if rel.kind in ROW_KINDS and tenant_column in rel.columns
    )
    return TenantTables(
        tenant_column,
        tables,
        {key: tuple(rel.columns) for key, rel in replay.relations.items()},
        search_path=search_path,
        origin=", ".join(str(p) for p in paths),
        skipped=tuple(replay.skipped),
    )
