"""Errors a user can act on.

Each one carries a single line saying what went wrong and what to do next; the CLI prints
that line and exits 2, never a traceback.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base class: the message is what the user sees."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(AuditError):
    """Bad option, bad configuration file, missing directory."""


class BackendUnavailable(AuditError):
    """A backend cannot run here; the message says why."""


class ConnectionFailed(AuditError):
    """The server could not be reached or refused the login."""


class SchemaLoadError(AuditError):
    """A schema file failed to apply: names the file, the line and the statement."""

    def __init__(
        self, message: str, *, path: str, line: int, statement: str, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line
        self.statement = statement
