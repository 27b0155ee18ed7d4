"""PostgreSQL in a container through testcontainers.

The only module that imports testcontainers (range pinned in pyproject: 4.15 moved
PostgresContainer to testcontainers.community.postgres and left a deprecation shim).
"""

from __future__ import annotations

import contextlib
import os

from ..errors import BackendUnavailable
from .base import InfoBacked, ServerInfo
from .readiness import wait_ready

DEFAULT_IMAGE = "postgres:17-alpine"
SUPERUSER = "rls_audit_admin"


def docker_available() -> str | None:
    """None when a Docker engine answers, else the reason it cannot be used."""
    try:
        import docker  # testcontainers' own dependency
    except ImportError:
        return "the docker extra is not installed (pip install 'rls-audit[docker]')"
    try:
        client = docker.from_env(timeout=3)
        client.ping()
    except Exception as exc:  # the client raises many kinds; any means "no engine"
        where = os.environ.get("DOCKER_HOST") or "the default socket"
        if "FileNotFoundError" in str(exc) or "No such file" in str(exc):
            return f"no Docker engine answers at {where}"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no Docker engine answers at {where} ({first[:120]})"
    return None


class DockerServer(InfoBacked):
    backend = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE) -> None:
        self.image = image
        self.container = None
        self.info: ServerInfo | None = None

    def start(self, *, timeout: float = 120.0) -> DockerServer:
        reason = docker_available()
        if reason:
            raise BackendUnavailable(f"docker: {reason}", hint="use --backend local or embedded")
        try:
            try:
                from testcontainers.community.postgres import PostgresContainer
            except ImportError:  # testcontainers < 4.15
                from testcontainers.postgres import PostgresContainer
        except ImportError as exc:
            raise BackendUnavailable(
                f"docker: testcontainers is not installed ({exc})",
                hint="pip install 'rls-audit[docker]'",
            ) from None
        container = PostgresContainer(
            self.image, username=SUPERUSER, password="rls-audit", dbname="postgres", driver=None
        )
        container.with_command("postgres -c fsync=off -c synchronous_commit=off")
        try:
            container.start()
            self.container = container
            dsn = (
                f"host={container.get_container_host_ip()} "
                f"port={container.get_exposed_port(5432)} user={SUPERUSER} "
                f"password=rls-audit dbname=postgres"
            )
            version, num = wait_ready(dsn, timeout=timeout, what="docker server")
        except BaseException:
            self.close()
            raise
        self.info = ServerInfo(
            backend="docker",
            dsn=dsn,
            server_version=version,
            server_version_num=num,
            description=f"docker image {self.image}",
        )
        return self

    def close(self) -> None:
        container, self.container = self.container, None
        if container is not None:
            with contextlib.suppress(Exception):  # the container may already be gone
                container.stop()

    def __enter__(self) -> DockerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
