"""Catalog stage: one read of pg_catalog into plain frozen dataclasses that rules query."""

from __future__ import annotations

from .model import (
    Catalog,
    Column,
    Constraint,
    DefaultPrivilege,
    EffectiveMembership,
    Function,
    Grant,
    Index,
    MaterializedView,
    Membership,
    Policy,
    Relation,
    Role,
    Schema,
    Table,
    Trigger,
    View,
)
from .snapshot import CatalogError, load_catalog

__all__ = [
    "Catalog",
    "CatalogError",
    "Column",
    "Constraint",
    "DefaultPrivilege",
    "EffectiveMembership",
    "Function",
    "Grant",
    "Index",
    "MaterializedView",
    "Membership",
    "Policy",
    "Relation",
    "Role",
    "Schema",
    "Table",
    "Trigger",
    "View",
    "load_catalog",
]
