"""rls-audit: prove that a multi-tenant PostgreSQL schema keeps each tenant's rows to itself."""

from __future__ import annotations

__version__ = "0.1.0"

from .audit import AuditResult, audit
from .catalog import Catalog, load_catalog
from .config import AuditConfig, resolve
from .findings import Category, Finding, Outcome, Severity

__all__ = [
    "AuditConfig",
    "AuditResult",
    "Catalog",
    "Category",
    "Finding",
    "Outcome",
    "Severity",
    "__version__",
    "audit",
    "load_catalog",
    "resolve",
]
