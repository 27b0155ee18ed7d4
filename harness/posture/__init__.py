"""Security posture: `rls-audit snapshot` writes it, `rls-audit diff BASE HEAD` compares it.

The posture is the part of the catalog that decides isolation (tables' RLS flags,
policies, grants, functions, roles, constraints). A diff classifies each change as safe,
needs review, breaking or dangerous, and says why in one line.
"""

from __future__ import annotations

from .change import Change, ChangeClass
from .diff import PostureDiff, diff
from .extract import posture_of
from .model import Posture
from .render import render
from .source import PostureReader, Side, load_snapshot, parse_side, write_snapshot

__all__ = [
    "Change",
    "ChangeClass",
    "Posture",
    "PostureDiff",
    "PostureReader",
    "Side",
    "diff",
    "load_snapshot",
    "parse_side",
    "posture_of",
    "render",
    "write_snapshot",
]
