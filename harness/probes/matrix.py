"""The access matrix: per relation, command and API role, what was tried and what happened.

`own` is the control (the actor on its own rows), `other` the attack (on another
tenant's rows). A cell keeps the worst result seen: leaked beats error beats allowed
beats denied, so one leaking variant of a command is never hidden by a denied one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "COPY")
RANK = {"not-tried": 0, "denied": 1, "allowed": 2, "error": 3, "leaked": 4}


@dataclass(frozen=True, slots=True)
class Cell:
    relation: str
    command: str
    role: str
    own: str = "not-tried"
    """allowed, denied, error or not-tried: the actor on its own rows."""
    other: str = "not-tried"
    """denied, leaked, error or not-tried: the actor on another tenant's rows."""
    tries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "relation": self.relation,
            "command": self.command,
            "role": self.role,
            "own": self.own,
            "other": self.other,
            "tries": self.tries,
        }


@dataclass(frozen=True, slots=True)
class AccessMatrix:
    cells: tuple[Cell, ...] = ()

    def cell(self, relation: str, command: str, role: str) -> Cell | None:
        return next(
            (c for c in self.cells if (c.relation, c.command, c.role) == (relation, command, role)),
            None,
        )

    def leaks(self) -> list[Cell]:
        return [c for c in self.cells if c.other == "leaked"]

    def to_dict(self) -> dict[str, Any]:
        return {"commands": list(COMMANDS), "cells": [c.to_dict() for c in self.cells]}


@dataclass
class MatrixRecorder:
    _cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)

    def record(
        self,
        relation: str,
        command: str,
        role: str,
        *,
        own: str | None = None,
        other: str | None = None,
    ) -> None:
        key = (relation, command, role)
        cell = self._cells.get(key, Cell(relation, command, role))
        new_own = own if own and RANK[own] > RANK[cell.own] else cell.own
        new_other = other if other and RANK[other] > RANK[cell.other] else cell.other
        self._cells[key] = Cell(relation, command, role, new_own, new_other, cell.tries + 1)

    def freeze(self) -> AccessMatrix:
        return AccessMatrix(tuple(self._cells[k] for k in sorted(self._cells)))
