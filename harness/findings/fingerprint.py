"""Stable identities for findings, for baselines and suppressions.

A fingerprint hashes what the finding is about (rule, object identity, the probe's
discriminator), never its message, severity or line, so that it survives edits.
"""

from __future__ import annotations

import hashlib

from .model import ObjectRef


def fingerprint(rule: str, obj: ObjectRef, discriminator: str = "") -> str:
    identity = "\x1f".join(
        [rule, obj.kind, obj.schema or "", obj.name, obj.signature or "", discriminator]
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
