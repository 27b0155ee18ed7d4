"""Every probe as a pytest item: `pytest --rls-probes [--rls-schema DIR | --rls-dsn DSN]`.

One item per probe, so that pytest-xdist (`-n auto`) spreads them over workers: each
worker starts (or connects to) its own server, builds the template once, and runs each
item on a fresh clone that is dropped after. With `--rls-dsn` and no `--rls-schema`, the
items probe that database in place (every probe rolls back). A failed finding fails the
item; an inconclusive one fails it too, since a probe that could not run is no pass.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from ..findings.model import Finding, Outcome

_TARGETS = pytest.StashKey[Any]()


class ProbeFailed(Exception):
    """The findings of one probe item, shown as the failure without a traceback."""


def add_options(group: Any) -> None:
    group.addoption("--rls-probes", action="store_true", help="run every probe as a test item")
    group.addoption("--rls-tenant-column", default="tenant_id")
    group.addoption("--rls-context", default="guc", choices=("guc", "jwt", "sql"))
    group.addoption("--rls-jwt-claim", default="tenant_id", help="e.g. app_metadata.org_id")
    group.addoption("--rls-tenants", type=int, default=20, help="generated tenants per item")


def probe_items(session: pytest.Session) -> list[pytest.Item]:
    from . import get_probes

    return [ProbeItem.from_parent(session, name=f"{c.id}-{c.name}") for c in get_probes()]


def _targets(config: pytest.Config) -> Any:
    from ..pytest_plugin import _Targets

    if _TARGETS not in config.stash:
        targets = _Targets()
        config.stash[_TARGETS] = targets
        config.add_cleanup(targets.close)
    return config.stash[_TARGETS]


def _summary(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.outcome.value} {f.rule} {f.object}: {f.message}")
        if f.evidence.reproducer:
            lines.append("  reproducer:\n    " + f.evidence.reproducer.replace("\n", "\n    "))
    return "\n".join(lines)


class ProbeItem(pytest.Item):
    """One probe over the whole schema, on its own clone."""

    def runtest(self) -> None:
        from ..catalog import load_catalog
        from ..pytest_plugin import _backends
        from ..target.janitor import clone, drop_database
        from .stage import run_probes

        config = self.config
        target = _targets(config).get(config, _backends(config)[0])
        owner = str(config.getoption("--rls-owner-role"))
        schema = config.getoption("--rls-schema")
        dbname = None
        if schema or target.backend != "dsn":
            path = Path(schema) if schema else Path(config.rootpath) / "schema"
            template = _targets(config).template(target, path, owner)
            dbname = clone(target, template, owner_role=owner, purpose="probe")
        conninfo = target.conninfo(dbname) if dbname else target.conninfo()
        column = str(config.getoption("--rls-tenant-column"))
        settings = SimpleNamespace(
            tenant_column=column,
            context_mode=config.getoption("--rls-context"),
            jwt_claim_path=config.getoption("--rls-jwt-claim"),
            probe_tenants=config.getoption("--rls-tenants"),
        )
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                catalog = load_catalog(conn, tenant_column=column)
            result = run_probes(
                lambda: psycopg.connect(conninfo, autocommit=True),
                catalog,
                settings,
                only={self.name.split("-", 1)[0]},
            )
        finally:
            if dbname:
                drop_database(target, dbname)
        bad = [f for f in result.findings if f.outcome in (Outcome.FAILED, Outcome.INCONCLUSIVE)]
        if bad:
            raise ProbeFailed(_summary(bad))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ProbeFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"rls-audit probe {self.name}"
