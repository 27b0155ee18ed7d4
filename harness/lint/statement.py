"""One statement as the lint rules see it: where it is, what it says, what was found."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..findings.model import Location
from .refs import Analysis
from .sources import Source

_SPACE = re.compile(r"\s+")
QUOTE_LIMIT = 400


@dataclass(frozen=True, slots=True)
class ParseProblem:
    message: str
    offset: int
    """Offset in the statement text of the token the parser stopped at."""
    dynamic: bool = False
    """Parsed, but Python code supplies a table name or column list: not analysable."""


@dataclass(frozen=True, slots=True)
class Statement:
    source: Source
    start: int
    """Offset of `text` in `source.text`."""
    text: str
    analysis: Analysis = field(default_factory=Analysis)
    error: ParseProblem | None = None
    ordinal: int = 0
    """How many earlier statements of the source had the same text (for fingerprints)."""
    context: str = ""
    """What the statement defines, when that is not the source's: `view public.v`."""

    def location(self, offset: int | None = None) -> Location:
        """File position of the character at `offset` in the statement text (default:
        the statement's first character)."""
        if offset is None:
            offset = len(self.text) - len(self.text.lstrip())
        line, column = self.source.locate(self.start + offset)
        return Location(self.source.path, line, column)

    def quote(self) -> str:
        """The statement on one line, shortened for a report."""
        text = _SPACE.sub(" ", self.text).strip()
        return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."

    def discriminator(self, *parts: str) -> str:
        """Stable identity: path, context and normalised text, not the line number."""
        digest = hashlib.sha256(_SPACE.sub(" ", self.text).strip().lower().encode()).hexdigest()
        return "\x1f".join(
            [self.source.path, self.source.context, digest[:16], str(self.ordinal), *parts]
        )

    @property
    def where(self) -> str:
        """` in function public.f` when the statement belongs to a routine or view."""
        context = self.context or self.source.context
        return f" in {context}" if context else ""
