"""One frozen configuration for a run.

Precedence, highest first: command-line options, environment (RLS_AUDIT_*), the
configuration file ([tool.rls-audit] in pyproject.toml, or a file given by --config),
defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .db import Timeouts
from .errors import ConfigError
from .findings.model import Severity
from .findings.suppressions import Suppression, parse_suppressions
from .target.select import BACKENDS

FORMATS = ("console", "json", "html", "sarif", "junit", "md", "github")


@dataclass(frozen=True)
class AuditConfig:
    dsn: str | None = None
    schema: Path | None = None
    backend: str = "auto"
    docker_image: str = "postgres:17-alpine"
    tenant_column: str = "tenant_id"
    owner_role: str = "postgres"
    api_roles: tuple[str, ...] = ("authenticated", "anon")
    exposed_schemas: tuple[str, ...] = ("public",)
    tenant_guc: str = "app.current_tenant_id"
    formats: tuple[str, ...] = ("console", "json", "html")
    output: Path = Path("reports")
    fail_on: Severity = Severity.HIGH
    baseline: Path | None = None
    """Fail only on findings whose fingerprint is not in this file (gate)."""
    write_baseline: Path | None = None
    """Record this run's fingerprints here (gate)."""
    suppress: tuple[Suppression, ...] = ()
    """`[[tool.rls-audit.suppress]]` entries: rule, object, reason, expires (gate)."""
    # --- probes (harness/probes) ---
    probes: bool = True
    """Run the dynamic probe stage (`--no-probes` skips it)."""
    probe_profile: str = "quick"
    """quick (20 tenants, one attacker) or deep (200 tenants, three attackers)."""
    probe_tenants: int | None = None
    probe_seed: int = 0
    adversary: str = "api"
    """api: a PostgREST-like client; sql: arbitrary SQL as the API role (DDL, SET)."""
    context_mode: str = "guc"
    """How the tenant is set: guc (tenant-guc), jwt (request.jwt.claims) or sql (context-sql)."""
    jwt_claim_path: str = "tenant_id"
    """Where the tenant sits in the JWT claims, e.g. app_metadata.tenant_id."""
    context_sql: str | None = None
    """Custom SQL run by the trusted server, with %(tenant)s, %(role)s, %(sub)s."""
    # --- end probes ---
    plans: bool = True
    """Run the plan stage (`--no-plans` skips it)."""
    app_sql: tuple[Path, ...] = ()
    """Application SQL (.sql files, .py sources, directories): linted like `rls-audit
    lint`, and its queries explained by the plan stage as each tenant size."""
    plan_rows: int = 100_000
    """Rows generated in all before EXPLAIN, on targets the audit created."""
    statement_timeout: int = 5000
    """Milliseconds a statement of the audit may run (0: no limit); a slower one is
    cancelled and its part of the audit reported incomplete."""
    lock_timeout: int = 1000
    """Milliseconds the audit waits for a lock another session holds (0: no limit)."""
    idle_timeout: int = 60000
    """idle_in_transaction_session_timeout in milliseconds: a stalled audit never holds
    its transaction, and the locks in it, for longer (0: no limit)."""
    read_only: bool = False
    """--read-only: every session of the run is read-only (the server refuses writes);
    needs --dsn without --schema; the probes, which write, are skipped."""
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    """Where each non-default value came from: option, environment or file."""

    @property
    def timeouts(self) -> Timeouts:
        """The timeouts every session of the audit sets (harness/db.py)."""
        return Timeouts(self.statement_timeout, self.lock_timeout, self.idle_timeout)


ENV_PREFIX = "RLS_AUDIT_"
KEYS = {f.name for f in fields(AuditConfig)} - {"sources", "config_file"}


def _coerce(key: str, value: Any, origin: str) -> Any:
    try:
        if key in PROBE_CHOICES:  # probes
            return _probe_value(key, value)
        if key in ("plans", "read_only"):
            return _probe_value("probes", value)
        if key in TIMEOUTS:
            return duration_ms(value)
        if key == "plan_rows":
            rows = int(value)
            if rows < 1000:
                raise ValueError(f"at least 1000 rows, got {rows}")
            return rows
        if key == "app_sql":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(Path(str(v).strip()) for v in items if str(v).strip())
        if key in ("schema", "output", "baseline", "write_baseline"):
            return None if value in (None, "") else Path(str(value))
        if key == "suppress":
            return parse_suppressions(value)
        if key in ("api_roles", "exposed_schemas", "formats"):
            items = value.split(",") if isinstance(value, str) else list(value)
            out = tuple(str(v).strip() for v in items if str(v).strip())
            if key == "formats":
                bad = [f for f in out if f not in FORMATS]
                if bad:
                    raise ValueError(
                        f"unknown format {bad[0]!r} (choose from {', '.join(FORMATS)})"
                    )
            return out
        if key == "fail_on":
            return value if isinstance(value, Severity) else Severity.parse(str(value))
        if key == "backend":
            if value not in BACKENDS:
                raise ValueError(f"unknown backend {value!r} (choose from {', '.join(BACKENDS)})")
            return str(value)
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return value
    except ValueError as exc:
        raise ConfigError(f"{origin}: {key}: {exc}") from None


TIMEOUTS = ("statement_timeout", "lock_timeout", "idle_timeout")
_DURATION = re.compile(r"\s*(\d+)\s*(ms|s|min|h)?\s*", re.IGNORECASE)
_UNIT_MS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


def duration_ms(value: Any) -> int:
    """Milliseconds from an integer (milliseconds, as PostgreSQL reads a bare number) or a
    duration with a unit: 500ms, 5s, 2min, 1h. 0 disables the timeout, as in PostgreSQL."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 5000, 500ms, 5s or 1min, got {value!r}")
    if isinstance(value, int):
        number, unit = value, "ms"
    else:
        match = _DURATION.fullmatch(str(value))
        if match is None:
            raise ValueError(f"expected a duration such as 5000, 500ms, 5s or 1min, got {value!r}")
        number, unit = int(match.group(1)), (match.group(2) or "ms").lower()
    if number < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    ms = number * _UNIT_MS[unit]
    if ms > 2_147_483_647:
        raise ValueError(f"too long for PostgreSQL (at most about 24 days), got {value!r}")
    return ms


PROBE_CHOICES = {
    "probes": None,
    "probe_profile": ("quick", "deep"),
    "probe_tenants": None,
    "probe_seed": None,
    "adversary": ("api", "sql"),
    "context_mode": ("guc", "jwt", "sql"),
    "jwt_claim_path": None,
    "context_sql": None,
}


def _probe_value(key: str, value: Any) -> Any:
    """The probe settings: booleans, counts and closed choices."""
    if key == "probes":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if key in ("probe_tenants", "probe_seed"):
        number = int(value)
        if number < (2 if key == "probe_tenants" else 0):
            raise ValueError(f"too small: {number}")
        return number
    choices = PROBE_CHOICES[key]
    if choices and value not in choices:
        raise ValueError(f"unknown value {value!r} (choose from {', '.join(choices)})")
    return None if value in (None, "") and key == "context_sql" else str(value)


def read_config_file(path: Path, *, explicit: bool) -> dict[str, Any]:
    """The [tool.rls-audit] table of a pyproject.toml, or the top level of another file."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"configuration file {path} does not exist") from None
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("rls-audit", {})
    else:
        table = data.get("tool", {}).get("rls-audit", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.rls-audit] must be a table")
    out = {}
    for key, value in table.items():
        norm = key.replace("-", "_")
        if norm not in KEYS:
            raise ConfigError(
                f"{path}: unknown setting {key!r}",
                hint=f"known settings: {', '.join(sorted(k.replace('_', '-') for k in KEYS))}",
            )
        out[norm] = value
    return out


def resolve(
    options: dict[str, Any] | None = None,
    *,
    environ: dict[str, str] | None = None,
    config_file: Path | None = None,
    cwd: Path | None = None,
) -> AuditConfig:
    """Merge options, environment, file and defaults into one AuditConfig."""
    options = {k: v for k, v in (options or {}).items() if v is not None}
    environ = dict(os.environ if environ is None else environ)
    explicit = config_file is not None or bool(environ.get(ENV_PREFIX + "CONFIG"))
    path = config_file or (Path(environ[ENV_PREFIX + "CONFIG"]) if explicit else None)
    if path is None:
        path = (cwd or Path.cwd()) / "pyproject.toml"
    base = path.parent
    layers: list[tuple[str, dict[str, Any]]] = [
        (str(path), read_config_file(path, explicit=explicit))
    ]
    env_values = {}
    for key in KEYS:
        raw = environ.get(ENV_PREFIX + key.upper())
        if raw not in (None, ""):
            env_values[key] = raw
    layers.append(("environment", env_values))
    layers.append(("option", options))

    config = AuditConfig(config_file=path if path.exists() else None)
    sources: dict[str, str] = {}
    for origin, values in layers:
        for key, value in values.items():
            coerced = _coerce(key, value, origin)
            if key in ("schema", "output", "baseline", "write_baseline") and (
                coerced is not None and origin == str(path)
            ):
                coerced = base / coerced  # file paths are relative to the file
            config = replace(config, **{key: coerced})
            sources[key] = origin
    return replace(config, sources=sources)
