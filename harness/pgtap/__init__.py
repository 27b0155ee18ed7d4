"""pgTAP export: `rls-audit export-pgtap --output DIR` writes a suite that pins down what the
audit verified, runnable with `pg_prove` or `supabase test db`."""

from __future__ import annotations

from .export import ExportedSuite, export_pgtap

__all__ = ["ExportedSuite", "export_pgtap"]
