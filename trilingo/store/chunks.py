"""One statement's worth of ids: SQLite allows 999 bound parameters in old builds (32,766 since 3.32),
PostgreSQL 65,535. Every `IN (…)` list over ids Trilingo did not choose goes through `chunked`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

CHUNK = 900  # bound parameters per statement, under every SQLite's limit, with room for the others

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
