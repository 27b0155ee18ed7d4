"""What the analysis reports: the unrestricted references, and the predicate to add.

`RefMaker` turns the solved scopes of `analyze._Analyzer` into `Ref`s; it reads the
analyzer's state (`values`, `partial`, `multi`, `display`, `found`, `names`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from .dml import MissingTenant
from .names import display
from .scopes import clause_of
from .solve import Term
from .tenants import TenantTable, TenantTables

if TYPE_CHECKING:
    from .scopes import Names

DEFAULT_TENANT_VALUE = "current_setting('app.current_tenant_id')::uuid"


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a tenant table that no predicate restricts to one tenant."""

    node: exp.Table
    table: TenantTable
    alias: str
    action: str
    """read, updated, deleted from, merged into, the source of a MERGE, copied out,
    truncated."""
    reason: str
    """none, or (an OR branch lets rows through), multi (several tenant values)."""
    fix: str
    """The predicate that would restrict it, e.g. `s.tenant_id = $1`."""
    clause: str
    """Where that predicate goes: WHERE, or the ON clause of its join."""


@dataclass(frozen=True, slots=True)
class Analysis:
    unrestricted: tuple[Ref, ...] = ()
    missing_tenant: tuple[MissingTenant, ...] = ()


class RefMaker:
    """Mixin of the analyzer: references left unrestricted once every scope is solved."""

    values: dict[Term, str]
    partial: set[Term]
    multi: set[Term]
    display: dict[object, exp.Expression]
    found: dict[int, TenantTable]
    names: Names
    tenants: TenantTables

    def _unrestricted(
        self, scope: Scope, actions: dict[int, str], visited: set[int]
    ) -> Iterator[Ref]:
        sources = self.names.sources(scope)
        restricted = []
        pending = []
        for alias, (node, source) in sources.items():
            visited.add(id(node))
            table = self.found.get(id(source))
            if table is None:
                continue
            t: Term = ("c", id(node), table.tenant_column)
            if t in self.values:
                restricted.append((alias, table))
            else:
                reason = "or" if t in self.partial else "multi" if t in self.multi else "none"
                pending.append((node, table, alias, reason))
        for node, table, alias, reason in pending:
            partner = next(iter(restricted), None)
            clause = clause_of(node)
            yield self._ref(
                node, table, alias, actions.get(id(node), "read"), reason, partner, clause
            )

    def _unvisited(self, tables: list[exp.Table], visited: set[int]) -> Iterator[Ref]:
        """Tenant tables no scope saw (syntax the scope module does not model)."""
        for node in tables:
            if id(node) in visited:
                continue
            table = self.found.get(id(node))
            if table is not None:
                yield self._ref(node, table, node.alias_or_name, "read", "none", None, "WHERE")

    def _ref(
        self,
        node: exp.Table,
        table: TenantTable,
        alias: str,
        action: str,
        reason: str,
        partner: tuple[str, TenantTable] | None,
        clause: str,
    ) -> Ref:
        column = f"{alias}.{table.tenant_column}"
        if partner is not None and clause != "WHERE":
            fix = f"{column} = {partner[0]}.{partner[1].tenant_column}"
        else:
            fix = f"{column} = {self._tenant_value()}"
        return Ref(node, table, alias, action, reason, fix, clause)

    def _tenant_value(self) -> str:
        """The value this statement uses for the tenant elsewhere, else the context GUC."""
        for term, value in self.values.items():
            table_col = term[2]
            if table_col != self.tenants.tenant_column:
                continue
            for key in value.split("|"):
                node = self.display.get(key)
                if node is not None:
                    return display(node)
                if key.startswith("v:"):  # a PL/pgSQL variable or function parameter
                    return key[2:]
        return DEFAULT_TENANT_VALUE
