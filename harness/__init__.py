"""rls-audit: prove that a multi-tenant PostgreSQL schema keeps each tenant's rows to itself."""

from __future__ import annotations

__version__ = "0.1.0"
