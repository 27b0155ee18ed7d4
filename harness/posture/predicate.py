"""Is a policy predicate wider or narrower than before? Decided only where it is provable.

Whether one boolean expression admits more rows than another is undecidable in general,
so this answers only the shapes reviews meet: a term OR-ed onto the old predicate (wider),
a term AND-ed onto it (narrower), a term dropped, `true`, the tenant column no longer
compared. Anything else is "unknown" and the change is classified as needing review.
Expressions come from `pg_get_expr`, parsed with sqlglot (dialect postgres).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlglot
from sqlglot import exp

Verdict = Literal["same", "wider", "narrower", "unscoped", "unknown"]
"""`unscoped`: wider because the tenant column is no longer compared at all."""


def _parse(text: str) -> exp.Expression | None:
    try:
        node = sqlglot.parse_one(text, dialect="postgres")
        return node if isinstance(node, exp.Expression) else None
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return None


def _strip(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _terms(node: exp.Expression, op: type[exp.Expression]) -> frozenset[str]:
    """The operands of a chain of AND (or OR), each as normalized SQL text."""
    node = _strip(node)
    if isinstance(node, op) and isinstance(node, exp.Binary):
        return _terms(node.this, op) | _terms(node.expression, op)
    return frozenset({node.sql(dialect="postgres")})


def _is_true(node: exp.Expression) -> bool:
    node = _strip(node)
    return isinstance(node, exp.Boolean) and node.this is True


def _columns(node: exp.Expression) -> set[str]:
    return {c.name for c in node.find_all(exp.Column)}


@dataclass(frozen=True, slots=True)
class Comparison:
    verdict: Verdict
    detail: str = ""
    """What differs, when known: `OR shared` added, `AND deleted_at IS NULL` dropped."""


def compare(old: str | None, new: str | None, *, tenant_key: str | None = None) -> Comparison:
    """How `new` relates to `old`; None stands for no predicate, which admits every row."""
    if old == new:
        return Comparison("same")
    if new is None or new.strip().lower() == "true":
        return Comparison("wider", "now admits every row")
    if old is None or old.strip().lower() == "true":
        return Comparison("narrower", f"now {new}")
    a, b = _parse(old), _parse(new)
    if a is None or b is None:
        return Comparison("unknown", f"now {new}")
    if a.sql(dialect="postgres") == b.sql(dialect="postgres"):
        return Comparison("same")
    if _is_true(b):
        return Comparison("wider", "now admits every row")
    if tenant_key and tenant_key in _columns(a) and tenant_key not in _columns(b):
        return Comparison("unscoped", f"now {new}")
    ors_a, ors_b = _terms(a, exp.Or), _terms(b, exp.Or)
    if ors_a < ors_b:
        return Comparison("wider", _joined("OR", ors_b - ors_a, "added"))
    if ors_b < ors_a:
        return Comparison("narrower", _joined("OR", ors_a - ors_b, "dropped"))
    ands_a, ands_b = _terms(a, exp.And), _terms(b, exp.And)
    if ands_a < ands_b:
        return Comparison("narrower", _joined("AND", ands_b - ands_a, "added"))
    if ands_b < ands_a:
        return Comparison("wider", _joined("AND", ands_a - ands_b, "dropped"))
    return Comparison("unknown", f"now {new}")


def _joined(op: str, terms: frozenset[str], what: str) -> str:
    return f"{op} {f' {op} '.join(sorted(terms))} {what}"


def mentions(text: str | None, column: str) -> bool:
    """Does the predicate read `column` (by name)?"""
    if text is None:
        return False
    node = _parse(text)
    if node is None:
        return column in text
    return column in _columns(node)
