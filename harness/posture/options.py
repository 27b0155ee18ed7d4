"""Command-line options shared by `snapshot`, `diff` and `export-pgtap`: how to read a schema."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

SERVER_OPTIONS = (
    ("--backend", "auto (default), docker, local or embedded"),
    ("--docker-image", "image for the docker backend"),
    ("--tenant-column", "column that holds the tenant (default tenant_id)"),
    ("--owner-role", "role that owns the schema objects (default postgres)"),
    ("--api-roles", "comma list of the API roles (default authenticated,anon)"),
)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    for flag, text in SERVER_OPTIONS:
        parser.add_argument(flag, help=text)
    parser.add_argument("--config", type=Path, help="TOML file with a [tool.rls-audit] table")


def server_options(args: argparse.Namespace) -> dict[str, Any]:
    """The parsed options that are configuration settings, for `config.resolve`."""
    names = [flag[2:].replace("-", "_") for flag, _ in SERVER_OPTIONS]
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
