"""Prefect's global concurrency and rate limits for an MT engine, shared by every worker.

The runner takes any object with `slot()` (mt.throttle.Limiter). Inline runs use the engine's own
process-local limiter; flow runs use this one, so two workers together still keep to the engine's pace.

It speaks to Prefect's REST API with httpx instead of `prefect.concurrency.sync`: the runner calls
`slot()` from its own worker threads, and Prefect's sync wrappers deadlocked there (measured: a flow
run with four engine threads hung on `rate_limit`). Concurrency slots are leased, so a worker that
dies mid-call frees its slot when the lease runs out. Leases are short (a minute) and renewed while a
call holds them: a worker that died, or a run whose Prefect server went away, blocks its slot for at
most a minute, not for the length of the longest call anyone could make.

A request the server does not answer in time is asked again, with backoff, for up to GRACE: on a
loaded two-core machine a Prefect server on PostgreSQL serving two workers took over 10 s to answer
some increments, and failing those calls at once left segments undrafted until the next sweep. Only a
server silent for the whole grace fails the call, and then every call of the run fails at once. An
increment that timed out may still have taken a slot on the server; nobody renews its lease, so it
frees itself within LEASE_SECONDS.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from trilingo.errors import UnavailableError
from trilingo.i18n import N_
from trilingo.mt.base import Engine, RemoteEngine
from trilingo.mt.throttle import backoff

LEASE_SECONDS = 60.0
RENEW_EVERY = 20.0  # well inside the lease, so one late renewal does not lose it
MAX_WAIT = 600.0  # a slot not free after this long means something is stuck: fail the call, retry later
TIMEOUT = httpx.Timeout(10.0)
GRACE = 30.0  # how long the server may stay silent before a call fails for want of a slot

# The limits this process has set up, so each batch task of a run does not set them up again (with
# two workers, their concurrent set-ups filled the server's log with unique-key errors).
_READY: set[tuple[str, str, int, float]] = set()
_READY_LOCK = threading.Lock()


class PrefectLimiter:
    """`concurrency` calls in flight and `rate` calls per second for one engine, across all workers."""

    def __init__(
        self,
        api_url: str,
        engine: str,
        concurrency: int,
        rate: float,
        *,
        timeout: float | httpx.Timeout = TIMEOUT,
        grace: float = GRACE,
    ) -> None:
        self.api = api_url.rstrip("/") + "/v2/concurrency_limits"
        self.timeout, self.grace = timeout, grace
        self.slots = f"trilingo-mt-{engine}"
        self.pace = f"trilingo-mt-{engine}-rate"
        # A rate limit is a limit whose slots free themselves at `rate` per second.
        self._upsert(self.slots, max(1, concurrency), 0.0)
        self._upsert(self.pace, max(1, math.ceil(rate)), rate)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._silent_since: float | None = None  # when the server stopped answering, if it has
        self._gave_up = False  # a call has already failed for this silence: the next ones try once
        self._renewer: threading.Thread | None = None

    def _upsert(self, name: str, limit: int, decay: float) -> None:
        key = (self.api, name, limit, decay)
        with _READY_LOCK:
            if key in _READY:
                return
        body = {"name": name, "limit": limit, "slot_decay_per_second": decay}
        try:
            created = httpx.post(f"{self.api}/", json=body, timeout=self.timeout)
            # 409: it exists. A 5xx can be the same thing: two workers creating it at once on a server
            # backed by PostgreSQL lose the race with a unique-key error, not a 409. Then it exists too.
            if created.status_code == 409 or (
                created.status_code >= 500
                and httpx.get(f"{self.api}/{name}", timeout=self.timeout).status_code == 200
            ):
                # Make it match this engine's policy.
                httpx.patch(
                    f"{self.api}/{name}",
                    json={"limit": limit, "slot_decay_per_second": decay},
                    timeout=self.timeout,
                ).raise_for_status()
            else:
                created.raise_for_status()
        except httpx.HTTPError as exc:
            raise UnavailableError(
                N_("cannot set the concurrency limit {name} on the Prefect server: {exc}").format(
                    name=name, exc=exc
                )
            ) from None
        with _READY_LOCK:
            _READY.add(key)

    def _acquire(self, path: str, name: str, **fields: object) -> httpx.Response:
        body = {"names": [name], "slots": 1, **fields}
        deadline = time.monotonic() + MAX_WAIT
        attempt = 0
        while True:
            sent = time.monotonic()
            try:
                response = httpx.post(f"{self.api}/{path}", json=body, timeout=self.timeout)
            except httpx.TransportError as exc:  # no answer: refused, reset or timed out
                now = time.monotonic()
                # One silence for all of this limiter's threads: once the server has been silent for the
                # grace, every call fails after one try, instead of each waiting out a grace of its own.
                attempt += 1
                delay = backoff(attempt, 0.5, 5.0)
                with self._lock:
                    self._silent_since = self._silent_since if self._silent_since is not None else sent
                    silent_for = now - self._silent_since
                    gave_up = self._gave_up = self._gave_up or silent_for + delay > self.grace
                if gave_up:
                    raise UnavailableError(
                        N_("the Prefect server does not answer ({error}; silent for {seconds:.0f} s)").format(
                            error=exc.__class__.__name__, seconds=silent_for
                        )
                    ) from None
                time.sleep(delay)
                continue
            with self._lock:
                self._silent_since, self._gave_up = None, False
            attempt = 0
            # 423: no slot free yet. 503: the server's database is busy (SQLite under load); Prefect's own
            # client retries it too.
            if response.status_code not in (423, 503):
                if response.is_error:
                    raise UnavailableError(
                        N_("the Prefect server refused a {name} slot ({status})").format(
                            name=name, status=response.status_code
                        )
                    )
                return response
            # The server says when to ask again (from the limit's average occupancy, with jitter).
            wait = float(response.headers.get("Retry-After") or 0.2)
            if time.monotonic() + wait > deadline:
                raise UnavailableError(
                    N_("no {name} slot came free in {seconds:.0f} s").format(name=name, seconds=MAX_WAIT)
                )
            time.sleep(min(max(wait, 0.01), 5.0))

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._acquire("increment", self.pace, mode="rate_limit")
        lease = self._acquire(
            "increment-with-lease", self.slots, mode="concurrency", lease_duration=LEASE_SECONDS
        ).json()["lease_id"]
        self._hold(lease)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(lease)
            # Best effort: if this fails the lease runs out and frees the slot anyway.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"{self.api}/decrement-with-lease", json={"lease_id": lease}, timeout=self.timeout)

    def _hold(self, lease: str) -> None:
        with self._lock:
            self._held.add(lease)
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew, name="trilingo-lease-renewer", daemon=True
                )
                self._renewer.start()

    def _renew(self) -> None:
        """Renew every held lease each RENEW_EVERY seconds; stop when none is held."""
        while True:
            time.sleep(RENEW_EVERY)
            with self._lock:
                leases = list(self._held)
                if not leases:
                    self._renewer = None
                    return
            for lease in leases:
                with contextlib.suppress(httpx.HTTPError):  # a lost renewal only shortens the lease
                    httpx.post(
                        f"{self.api}/leases/{lease}/renew",
                        json={"lease_duration": LEASE_SECONDS},
                        timeout=self.timeout,
                    )


def limiter_for(engine: Engine, api_url: str) -> PrefectLimiter | None:
    """A global limiter for an online engine; None for local ones (memory), which need none."""
    if not isinstance(engine, RemoteEngine):
        return None
    return PrefectLimiter(api_url, engine.name, engine.policy.concurrency, engine.policy.rate)
