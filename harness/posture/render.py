"""A posture diff as text (terminal, CI log), Markdown (PR summary) or JSON."""

from __future__ import annotations

import json

from .change import Change
from .diff import PostureDiff

FORMATS = ("text", "md", "json")
MD_LIMIT = 60_000
"""Under GitHub's 65,536-character cap for a comment or a job summary."""


def render(result: PostureDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, default=str) + "\n"
    if fmt == "md":
        return markdown(result)
    if fmt == "text":
        return text(result)
    raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def _headline(result: PostureDiff) -> str:
    parts = [f"{n} {name}" for name, n in result.counts().items() if n]
    return ", ".join(parts) if parts else "no change"


def text(result: PostureDiff) -> str:
    lines = [f"posture diff {result.base.source} -> {result.head.source}: {_headline(result)}"]
    width = max((len(c.object) for c in result.changes), default=0)
    width = min(width, 48)
    for c in result.changes:
        label = c.klass.value.upper()
        lines.append(f"{label:<13} {c.kind:<10} {c.object:<{width}}  {c.why}")
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(value.replace("|", "\\|").split())


def _row(c: Change) -> str:
    return f"| **{c.klass.value}** | {c.kind} | `{_cell(c.object)}` | {_cell(c.why)} |"


def markdown(result: PostureDiff) -> str:
    worst = result.worst()
    icon = {"dangerous": "🛑", "breaking": "⚠️", "needs review": "🔎"}.get(
        worst.value if worst else "", "✅"
    )
    out = [
        f"## {icon} Security posture: {result.base.source} → {result.head.source}",
        "",
        f"**{_headline(result)}**",
        "",
    ]
    if not result.changes:
        return "\n".join(out) + "\n"
    out += ["| class | kind | object | why |", "|---|---|---|---|"]
    used = sum(len(x) + 1 for x in out)
    for i, c in enumerate(result.changes):
        row = _row(c)
        if used + len(row) > MD_LIMIT:
            out.append(f"\n… and {len(result.changes) - i} more (run `rls-audit diff` locally)")
            break
        out.append(row)
        used += len(row) + 1
    return "\n".join(out) + "\n"
