"""pytest plugin: real PostgreSQL servers, a template with the schema, a clone per test.

Options: --rls-backend (a comma list runs the tests once per backend), --rls-dsn,
--rls-schema, --rls-docker-image, --rls-owner-role. A backend that cannot start here
skips its tests with the reason instead of failing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .errors import AuditError, BackendUnavailable
from .target import Target, start_target
from .target.docker import DEFAULT_IMAGE
from .target.janitor import build_template, clone, drop_database


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rls-audit", "rls-audit PostgreSQL targets")
    group.addoption(
        "--rls-backend", default=None, help="auto, docker, local, embedded, or a comma list of them"
    )
    group.addoption("--rls-dsn", default=None, help="use this existing server")
    group.addoption("--rls-schema", default=None, help="schema directory (default ./schema)")
    group.addoption("--rls-docker-image", default=DEFAULT_IMAGE)
    group.addoption("--rls-owner-role", default="postgres")
    parser.addini("rls_backend", "default for --rls-backend", default="auto")
    from .probes.pytest_items import add_options

    add_options(group)


def _backends(config: pytest.Config) -> list[str]:
    if config.getoption("--rls-dsn"):
        return ["dsn"]
    raw = config.getoption("--rls-backend") or config.getini("rls_backend") or "auto"
    return [b.strip() for b in str(raw).split(",") if b.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rls_backend" in metafunc.fixturenames:
        metafunc.parametrize("rls_backend", _backends(metafunc.config), scope="session")


class _Targets:
    """Started servers, one per backend, shared by the whole session."""

    def __init__(self) -> None:
        self.started: dict[str, Target | BackendUnavailable] = {}
        self.templates: dict[tuple[Target, str], str] = {}

    def get(self, config: pytest.Config, backend: str) -> Target:
        if backend not in self.started:
            try:
                self.started[backend] = start_target(
                    backend,
                    dsn=config.getoption("--rls-dsn") if backend == "dsn" else None,
                    image=config.getoption("--rls-docker-image"),
                )
            except BackendUnavailable as exc:
                self.started[backend] = exc
        found = self.started[backend]
        if isinstance(found, BackendUnavailable):
            pytest.skip(f"backend {backend} unavailable: {found}")
        return found

    def template(self, target: Target, schema: Path | None, owner_role: str) -> str:
        key = (target, str(schema))
        if key not in self.templates:
            self.templates[key] = build_template(target, schema, owner_role=owner_role)[0]
        return self.templates[key]

    def close(self) -> None:
        # Servers we started vanish with their templates; an existing server keeps no trace.
        for (target, _), name in self.templates.items():
            if target.backend == "dsn":
                drop_database(target, name)
        for found in self.started.values():
            if not isinstance(found, BackendUnavailable):
                found.close()


@pytest.fixture(scope="session")
def _rls_targets() -> Iterator[_Targets]:
    targets = _Targets()
    yield targets
    targets.close()


@pytest.fixture(scope="session")
def rls_backend() -> str:
    """Overridden by parametrization; a plain default for direct use."""
    return "auto"


@pytest.fixture(scope="session")
def rls_target(request: pytest.FixtureRequest, _rls_targets: _Targets, rls_backend: str) -> Target:
    """A running server for this backend (skipped with the reason when it cannot start)."""
    return _rls_targets.get(request.config, rls_backend)


@pytest.fixture(scope="session")
def rls_schema_dir(request: pytest.FixtureRequest) -> Path:
    option = request.config.getoption("--rls-schema")
    return Path(option) if option else Path(request.config.rootpath) / "schema"


@pytest.fixture(scope="session")
def rls_owner_role(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--rls-owner-role"))


@pytest.fixture(scope="session")
def rls_template_factory(_rls_targets: _Targets, rls_target: Target, rls_owner_role: str):
    """template(schema_dir or None) -> name of a template database, built once per session."""

    def make(schema: Path | None) -> str:
        try:
            return _rls_targets.template(rls_target, schema, rls_owner_role)
        except AuditError as exc:
            pytest.fail(f"cannot build template from {schema}: {exc}", pytrace=False)

    return make


@pytest.fixture(scope="session")
def rls_template(rls_template_factory, rls_schema_dir: Path) -> str:
    """Template database holding the shim and the schema under test."""
    return rls_template_factory(rls_schema_dir)


@pytest.fixture(scope="session")
def rls_blank_template(rls_template_factory) -> str:
    """Template database holding only the Supabase compatibility shim."""
    return rls_template_factory(None)


@pytest.fixture
def rls_clone_factory(rls_target: Target, rls_owner_role: str):
    """clone(template) -> autocommit superuser connection to a fresh copy, dropped after."""
    made: list[tuple[str, psycopg.Connection]] = []

    def make(template: str) -> psycopg.Connection:
        name = clone(rls_target, template, owner_role=rls_owner_role, purpose="test")
        conn = psycopg.connect(rls_target.conninfo(name), autocommit=True)
        made.append((name, conn))
        return conn

    yield make
    for name, conn in made:
        conn.close()
        drop_database(rls_target, name)


@pytest.fixture
def rls_conn(rls_clone_factory, rls_template: str) -> psycopg.Connection:
    """Superuser autocommit connection to a fresh clone of the schema template."""
    return rls_clone_factory(rls_template)


@pytest.fixture
def rls_blank_conn(rls_clone_factory, rls_blank_template: str) -> psycopg.Connection:
    """Superuser autocommit connection to a fresh database with only the shim applied."""
    return rls_clone_factory(rls_blank_template)


# -- isolation tests written by teams: generated tenants, acting as one of them ------------


@pytest.fixture
def rls_context():
    """How `as_tenant` sets the tenant (override for JWT claims or a custom snippet):
    a `harness.db.ContextSpec`, by default the GUC `app.current_tenant_id`."""
    from .db import ContextSpec

    return ContextSpec()


@pytest.fixture
def tenant_factory():
    """make(conn, count=2, *, tenant_column="tenant_id") -> ids of new tenants, each with
    generated rows in every tenant table of that database (use it on a clone)."""
    from .probes.assertions import generate_tenants

    calls = iter(range(1, 1 << 30))

    def make(
        conn: psycopg.Connection, count: int = 2, *, tenant_column: str = "tenant_id", **kw
    ) -> list[str]:
        kw.setdefault("seed", next(calls))  # fresh ids and canaries on every call
        return generate_tenants(conn, count, tenant_column=tenant_column, **kw)

    return make


@pytest.fixture
def as_tenant(rls_context):
    """with as_tenant(conn, tenant_id, role="authenticated"): the block runs in a savepoint
    acting as that tenant under the API role (tenant None: no context; raw="": a garbage
    one); role, context and every write are rolled back after."""
    from .db import Actor, as_actor

    def enter(
        conn: psycopg.Connection,
        tenant: str | None,
        *,
        role: str = "authenticated",
        sub: str | None = None,
        raw: str | None = None,
        context=None,
    ):
        actor = Actor(role, tenant, sub=sub, raw=raw)  # raw: a garbage context ('' ...)
        return as_actor(conn, actor, context or rls_context)

    return enter


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """With --rls-probes, every probe is a test item as well (spread by pytest-xdist)."""
    if config.getoption("--rls-probes"):
        from .probes.pytest_items import probe_items

        items.extend(probe_items(session))
