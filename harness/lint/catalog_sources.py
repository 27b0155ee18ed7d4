"""The SQL a database holds, as lint sources: view queries and function bodies.

Used with `--dsn` and by the full audit. Locations name the object (`view public.v`)
with the line and column inside its definition, since there is no file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .routines import LANGUAGES
from .sources import Source

if TYPE_CHECKING:
    from ..catalog import Catalog

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})


def catalog_sources(catalog: Catalog) -> Iterator[Source]:
    for view in catalog.views:
        if view.schema not in SYSTEM_SCHEMAS:
            name = f"view {view.qualified_name}"
            yield Source(name, view.definition, kind="view", context=name)
    for mv in catalog.materialized_views:
        if mv.schema not in SYSTEM_SCHEMAS:
            name = f"materialized view {mv.qualified_name}"
            yield Source(name, mv.definition, kind="view", context=name)
    for fn in catalog.functions:
        if fn.schema in SYSTEM_SCHEMAS or fn.language not in LANGUAGES:
            continue
        name = f"{fn.kind} {fn.signature}"
        yield Source(name, fn.source, kind="function", context=name, language=fn.language)
