"""GitHub Actions workflow commands: one annotation per finding, on the schema line.

On by themselves when GITHUB_ACTIONS is set, as squawk does, so a pull request shows
each finding next to the statement that creates the object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings.model import Severity
from ._summary import incomplete
from .locations import for_result

if TYPE_CHECKING:
    from ..audit import AuditResult

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def enabled(environ: dict[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS", "").lower() == "true"


def render(result: AuditResult) -> str:
    locations = for_result(result)
    lines = [
        f"::error title=rls-audit incomplete::{_data(reason)}" for reason in incomplete(result)
    ]
    for f in result.findings:
        if f.suppressed is not None:
            continue
        props = []
        loc = locations.get(f.fingerprint)
        if loc is not None:
            props.append(f"file={_prop(loc.path)}")
            if loc.line is not None:
                props.append(f"line={loc.line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
        props.append(f"title={_prop(f'{f.rule} {f.name} ({f.severity.value})')}")
        message = f"{f.object}: {f.message}"
        if f.remediation.text:
            message += f"\n{f.remediation.text}"
        lines.append(f"::{COMMAND[f.severity]} {','.join(props)}::{_data(message)}")
    return "".join(line + "\n" for line in lines)
