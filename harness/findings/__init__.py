"""The finding model shared by every stage and reporter."""

from __future__ import annotations

from .check import Check
from .fingerprint import fingerprint
from .model import (
    Applicability,
    Category,
    Evidence,
    Finding,
    Location,
    ObjectRef,
    Outcome,
    Remediation,
    Severity,
    Stage,
    sort_findings,
)

__all__ = [
    "Applicability",
    "Category",
    "Check",
    "Evidence",
    "Finding",
    "Location",
    "ObjectRef",
    "Outcome",
    "Remediation",
    "Severity",
    "Stage",
    "fingerprint",
    "sort_findings",
]
