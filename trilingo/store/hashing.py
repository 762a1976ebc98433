"""Content hashes used for change detection, the MT cache and the publish ledger."""

from __future__ import annotations

import hashlib


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
