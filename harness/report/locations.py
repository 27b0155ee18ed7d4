"""Map catalog objects to the schema file and line that create them.

Database objects have no source position, but GitHub annotates code only from a file and
line, so each CREATE TABLE / VIEW / FUNCTION / POLICY / INDEX / TRIGGER statement of the
schema directory is indexed with the line `split_statements` gives it. Unqualified names
are taken to be in `public`, the default search_path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog.model import Catalog
from ..findings.model import Finding, Location, ObjectRef
from ..sqlsplit import SplitError, split_statements

if TYPE_CHECKING:
    from ..audit import AuditResult

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QNAME = rf"({_NAME}(?:\s*\.\s*{_NAME})?)"
_LEAD = r"\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*"
_PATTERNS = [
    (
        "relation",
        re.compile(
            _LEAD + r"create\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?"
            r"(?:temp\s+|temporary\s+|unlogged\s+|foreign\s+|recursive\s+|materialized\s+)*"
            rf"(?:table|view)\s+(?:if\s+not\s+exists\s+)?{_QNAME}",
            re.I | re.S,
        ),
    ),
    (
        "function",
        re.compile(
            _LEAD + rf"create\s+(?:or\s+replace\s+)?(?:function|procedure)\s+{_QNAME}\s*\(",
            re.I | re.S,
        ),
    ),
    (
        "policy",
        re.compile(_LEAD + rf"create\s+policy\s+({_NAME})\s+on\s+{_QNAME}", re.I | re.S),
    ),
    (
        "index",
        re.compile(
            _LEAD + r"create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?"
            rf"(?:if\s+not\s+exists\s+)?({_NAME})\s+on\s+(?:only\s+)?{_QNAME}",
            re.I | re.S,
        ),
    ),
    (
        "trigger",
        re.compile(
            _LEAD + r"create\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+"
            rf"({_NAME})\s.*?\son\s+{_QNAME}",
            re.I | re.S,
        ),
    ),
]
_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "bool": "boolean",
    "varchar": "character varying",
    "float8": "double precision",
    "float4": "real",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "decimal": "numeric",
}


def _ident(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        return raw[1:-1].replace('""', '"')
    return raw.lower()


def _qualified(raw: str) -> str:
    parts = [_ident(p) for p in re.split(rf"\s*\.\s*(?={_NAME})", raw.strip(), maxsplit=1)]
    return ".".join(parts) if len(parts) == 2 else f"public.{parts[0]}"


def _arg_types(text: str, start: int) -> str:
    """Input argument types of a CREATE FUNCTION, normalised as `uuid,text`."""
    depth, i, args, current = 1, start, [], []
    while i < len(text) and depth:
        ch = text[i]
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if (ch == "," and depth == 1) or depth == 0:
            args.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    types = []
    for arg in args:
        arg = re.split(r"\s+default\s+|=", arg.strip(), flags=re.I)[0].strip()
        if not arg:
            continue
        words = arg.split()
        mode = words[0].lower()
        if mode == "out":
            continue
        if mode in ("in", "inout", "variadic"):
            words = words[1:]
        if len(words) > 1 and words[0].lower() not in ("double", "character", "bit", "time"):
            words = words[1:]  # an argument name
        types.append(normalise_type(" ".join(words)))
    return ",".join(types)


def normalise_type(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"\s*\(.*?\)", "", text)  # typmods: varchar(40) is varchar
    array = text.endswith("[]")
    base = text.removesuffix("[]").removeprefix("pg_catalog.")
    base = _ALIASES.get(base, base)
    return base + ("[]" if array else "")


def _signature(sig: str | None) -> str:
    inner = (sig or "()").strip()[1:-1]
    return ",".join(normalise_type(t) for t in inner.split(",") if t.strip())


@dataclass
class SourceIndex:
    """Where each object of a schema directory is created."""

    relations: dict[str, Location] = field(default_factory=dict)
    functions: dict[str, list[tuple[str, Location]]] = field(default_factory=dict)
    policies: dict[str, Location] = field(default_factory=dict)
    indexes: dict[str, Location] = field(default_factory=dict)
    triggers: dict[str, Location] = field(default_factory=dict)

    def add(self, kind: str, match: re.Match[str], text: str, loc: Location) -> None:
        if kind == "relation":
            self.relations.setdefault(_qualified(match.group(1)), loc)
        elif kind == "function":
            sig = _arg_types(text, match.end())
            self.functions.setdefault(_qualified(match.group(1)), []).append((sig, loc))
        elif kind in ("policy", "trigger"):
            key = f"{_ident(match.group(1))} on {_qualified(match.group(2))}"
            (self.policies if kind == "policy" else self.triggers).setdefault(key, loc)
        elif kind == "index":
            schema = _qualified(match.group(2)).split(".")[0]
            self.indexes.setdefault(f"{schema}.{_ident(match.group(1))}", loc)

    def locate(self, obj: ObjectRef, table: str | None = None) -> Location | None:
        """Where `obj` is created; `table` is the relation to fall back on (an index
        made by a constraint or without a name is created with its table)."""
        name = f"{obj.schema or 'public'}.{obj.name}"
        if obj.kind in ("function", "procedure", "aggregate"):
            candidates = self.functions.get(name, [])
            wanted = _signature(obj.signature)
            exact = [loc for sig, loc in candidates if sig == wanted]
            if exact or len(candidates) != 1:
                return exact[0] if exact else None
            return candidates[0][1]
        if obj.kind in ("policy", "trigger") and obj.signature:
            found = (self.policies if obj.kind == "policy" else self.triggers).get(
                f"{obj.name} on {obj.signature}"
            )
            return found or self.relations.get(obj.signature)
        if obj.kind == "index":
            return self.indexes.get(name) or (self.relations.get(table) if table else None)
        if obj.kind == "constraint" and obj.signature:
            return self.relations.get(obj.signature)
        return self.relations.get(name)


def index_schema(schema_dir: str | Path | None) -> SourceIndex:
    """Index the `*.sql` files of a schema directory; an unreadable file is skipped."""
    index = SourceIndex()
    if schema_dir is None:
        return index
    root = Path(schema_dir)
    if not root.is_dir():
        return index
    for path in sorted(root.glob("*.sql")):
        try:
            statements = list(split_statements(path.read_text("utf-8")))
        except (OSError, UnicodeDecodeError, SplitError):
            continue
        uri = display_path(path)
        for stmt in statements:
            for kind, pattern in _PATTERNS:
                match = pattern.match(stmt.text)
                if match:
                    index.add(kind, match, stmt.text, Location(uri, stmt.line))
                    break
    return index


def display_path(path: Path) -> str:
    """A path relative to the working directory where possible, with forward slashes."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    return Path(path if rel.startswith("..") else rel).as_posix()


def resolve(
    findings: list[Finding], index: SourceIndex, catalog: Catalog | None = None
) -> dict[str, Location]:
    """Each finding's location by fingerprint: its own first, else where its object is made."""
    tables = {i.qualified_name: i.table_name for i in catalog.indexes} if catalog else {}
    out = {}
    for f in findings:
        table = tables.get(f"{f.object.schema}.{f.object.name}")
        loc = f.location or index.locate(f.object, table)
        if loc is not None:
            out[f.fingerprint] = loc
    return out


def for_result(result: AuditResult) -> dict[str, Location]:
    """Locations of a result's findings, from the schema directory it audited."""
    return resolve(result.findings, index_schema(result.run.schema), result.catalog)
