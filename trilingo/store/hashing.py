"""Content hashes used for change detection, the MT cache and the publish ledger."""

from __future__ import annotations

import hashlib


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def release_hash(title: str, body: str, screen: str | None) -> str:
    """What a release says: a changed screen summary is a changed release (and makes translations stale)."""
    return sha256(title + "\n" + body + (f"\n\x1fscreen:{screen}" if screen else ""))
