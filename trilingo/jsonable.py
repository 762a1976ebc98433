"""One way to turn results into JSON-able data, for `--json` output and flow-run results."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def to_json(value: Any) -> Any:
    """Dataclasses field by field (in declaration order; not a field whose metadata says `json: False`), datetimes as ISO 8601, enums as their value."""
    kind = type(value)
    if kind in _PLAIN:  # most values: checked first, because a queue of 10,000 items has 120,000 of them
        return value
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Plain values inline: a call per field was a third of the time of a 10,000-item queue.
        out = {}
        for name in _field_names(kind):
            field = getattr(value, name)
            out[name] = field if type(field) in _PLAIN else to_json(field)
        return out
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(kind) if f.metadata.get("json", True)
        )
    return names
