"""Failed authentications, counted per client and per user: after 10 in a minute, the answer is 429.

In memory, per server process: a restart forgets the counts, and several server processes count
separately (docs/deploy.md runs one). Tokens are 256 random bits, so this is not what stops a guess;
it keeps a broken script or a scanner from filling the log and the database's connections."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 10
WINDOW = 60.0


class FailureLimiter:
    def __init__(
        self, limit: int = LIMIT, window: float = WINDOW, clock: Callable[[], float] = time.monotonic
    ):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None if it may now."""
        with self._lock:
            now = self.clock()
            found = self._recent(key, now)
            if len(found) < self.limit:
                return None
            return max(1, math.ceil(found[0] + self.window - now))

    def fail(self, *keys: str) -> None:
        with self._lock:
            now = self.clock()
            for key in keys:
                self._recent(key, now).append(now)
