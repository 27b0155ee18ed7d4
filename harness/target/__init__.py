"""Backends: a running PostgreSQL server behind one interface."""

from __future__ import annotations

from .base import ServerInfo, Target, redact
from .select import BACKENDS, availability, choose_backend, start_target

__all__ = [
    "BACKENDS",
    "ServerInfo",
    "Target",
    "availability",
    "choose_backend",
    "redact",
    "start_target",
]
