"""What the last pretranslate batch saw of each remote engine's circuit breaker, for `trilingo status`.

A breaker lives in the process that runs a batch. At the end of the batch its state is written to one
small file per engine in the workspace (`engines/<name>.json`), so an operator's `status`, in another
process or on another machine sharing the workspace, can say that an engine is being skipped and why.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trilingo.mt.base import RemoteEngine
from trilingo.store.values import utcnow
from trilingo.text.files import write_atomic

FOLDER = "engines"


@dataclass(frozen=True)
class EngineHealth:
    engine: str
    breaker: str  # closed | open
    last_reason: str
    at: str  # when the batch that saw it ended (UTC, ISO 8601)


def record(home: Path, name: str, engine: object, now: datetime | None = None) -> None:
    """Keep what this batch's breaker knows; engines without one (memory) have nothing to report."""
    if not isinstance(engine, RemoteEngine):
        return
    health = EngineHealth(
        name,
        "open" if engine.breaker.is_open else "closed",
        engine.breaker.last_reason,
        (now or utcnow()).isoformat(),
    )
    write_atomic(home / FOLDER / f"{name}.json", json.dumps(asdict(health), ensure_ascii=False) + "\n")


def load(home: Path) -> list[EngineHealth]:
    """Every engine's last recorded state; unreadable files are skipped (a later batch rewrites them)."""
    out: list[EngineHealth] = []
    for path in sorted((home / FOLDER).glob("*.json")):
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            out.append(EngineHealth(**{k: str(data[k]) for k in ("engine", "breaker", "last_reason", "at")}))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out
