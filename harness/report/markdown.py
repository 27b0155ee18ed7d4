"""A Markdown summary sized for $GITHUB_STEP_SUMMARY and a pull-request comment.

GitHub caps a comment at 65,536 characters, so rows are added while they fit under
LIMIT and the rest is counted ("and N more"); the HTML report has everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings.model import Finding, Location, Outcome, Severity, Stage
from ._summary import by_severity_and_stage, headline, incomplete, plural, stages, verdict
from .locations import for_result

if TYPE_CHECKING:
    from ..audit import AuditResult

LIMIT = 60_000


def _cell(text: str) -> str:
    """Table-safe text: GitHub renders inline HTML, so markup is escaped too."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.replace("|", "\\|").split())


def _code(text: str) -> str:
    text = " ".join(text.replace("|", "\\|").split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _row(f: Finding, loc: Location | None) -> str:
    mark = " (inconclusive)" if f.outcome is Outcome.INCONCLUSIVE else ""
    where = _code(str(loc)) if loc else ""
    return (
        f"| **{f.severity.value}**{mark} | {_code(f.rule)} {f.name} | {_code(str(f.object))} "
        f"| {_cell(f.message)} | {where} |"
    )


def _fix(f: Finding) -> str:
    text = f"**{f.rule}** {_code(str(f.object))}: {_cell(f.remediation.text)}"
    if f.remediation.fix_sql:
        text += f"\n\n```sql\n{f.remediation.fix_sql.replace('```', '` ` `')}\n```"
    return text


def _table(findings: list[Finding], locs: dict[str, Location], budget: int) -> list[str]:
    lines = ["| severity | rule | object | finding | where |", "|---|---|---|---|---|"]
    used = sum(len(x) + 1 for x in lines)
    for i, f in enumerate(findings):
        row = _row(f, locs.get(f.fingerprint))
        if used + len(row) + 1 > budget:
            lines.append(f"\n… and {len(findings) - i} more (see the HTML report)")
            break
        lines.append(row)
        used += len(row) + 1
    return lines


def _incomplete(gaps: list[str]) -> list[str]:
    if not gaps:
        return []
    lines = ["**Incomplete audit**: a fault stopped part of it; what ran is below.", ""]
    return [*lines, *(f"- {_cell(reason)}" for reason in gaps), ""]


def render(result: AuditResult) -> str:
    run = result.run
    state = verdict(result)
    ok = state == "pass"
    gaps = incomplete(result)
    gating = result.gating()
    active = [f for f in result.findings if f.suppressed is None]
    gate = {f.fingerprint for f in gating}
    below = [f for f in active if f.fingerprint not in gate]
    suppressed = [f for f in result.findings if f.suppressed is not None]
    inconclusive = sum(1 for f in active if f.outcome is Outcome.INCONCLUSIVE)
    locs = for_result(result)
    out = [
        f"## {'✅' if ok else '⚠️' if gaps else '❌'} rls-audit: {state.upper()}",
        "",
        *_incomplete(gaps),
        f"**{headline(result)}** · gate `{result.fail_on.value}`: {len(gating)} at or above"
        + (f" · {inconclusive} inconclusive" if inconclusive else "")
        + (f" · {len(suppressed)} suppressed" if suppressed else ""),
        "",
        "| severity | " + " | ".join(s.value for s in Stage) + " | total |",
        "|---|" + "---|" * (len(Stage) + 1),
    ]
    table = by_severity_and_stage(result)
    counts = result.counts()
    for sev in Severity:
        cells = " | ".join(str(table[sev][st] or "") for st in Stage)
        out.append(f"| {sev.value} | {cells} | {counts[sev.value]} |")
    tenant = len(result.catalog.tenant_tables()) if result.catalog else 0
    out += [
        "",
        f"{_code(run.schema or run.database)} on PostgreSQL {run.server_version} "
        f"({run.backend}) · {plural(tenant, 'tenant table')} · "
        f"{plural(len(result.checks), 'check')} · {run.duration_s:.1f} s",
        "",
        "Stages: "
        + " · ".join(
            f"{'✔' if s.ran else '-'} {s.title.lower()}" + ("" if s.ran else " (not run)")
            for s in stages(result)
        ),
    ]
    if gating:
        out += ["", f"### At or above the gate ({len(gating)})", ""]
        out += _table(gating, locs, LIMIT // 2)
        fixes = [f for f in gating if f.remediation.text or f.remediation.fix_sql]
        if fixes:
            body = ""
            for f in fixes:
                piece = _fix(f) + "\n\n"
                if len(body) + len(piece) > LIMIT // 4:
                    body += "… more in the HTML report\n\n"
                    break
                body += piece
            out += [
                "",
                "<details><summary>Remediation</summary>",
                "",
                body.rstrip(),
                "",
                "</details>",
            ]
    if below:
        out += ["", f"### Below the gate ({len(below)})", ""]
        out += _table(below, locs, LIMIT - sum(len(x) + 1 for x in out) - 2_000)
    if suppressed:
        out += ["", f"{len(suppressed)} suppressed finding(s) are listed in the HTML report."]
    if not result.findings:
        out += ["", "No findings." if result.checks else "No checks ran: nothing was verified."]
    out += [
        "",
        "_Evidence, reproducers, the access matrix and the control mapping: "
        "`rls-audit.html` (self-contained)._",
        "",
    ]
    return "\n".join(out)
