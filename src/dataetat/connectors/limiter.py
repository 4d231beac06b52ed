"""A rate limiter per service: calls evenly spaced at the service's published rate, across threads.

    limiter = RateLimiter(7, 1.0)      # 7 requests per second
    limiter.acquire()                  # sleeps until this call's slot

Slots are spaced by period / rate plus a 5 % margin (no burst), so the service never sees more than
its limit in any window, whatever the number of threads sharing the limiter: without the margin, the
jitter between our clock and the service's (a request sent a few milliseconds late, the next one on
time) puts rate + 1 requests in some window and earns a 429 (measured: 45 of 420 at 7 req/s).

The services' limits are per IP address or per token, not per process: with several workers and
app servers (docs/deploiement.md) they must share one budget. `limiter_for(key, rate, period, engine)`
returns, on PostgreSQL, a `SharedRateLimiter` whose slots are kept in the database (store/limiteur.py,
the same table as the login limiter's paced attempts; slots by the database's clock, so that the
hosts' clocks need not agree); on DuckDB (one process) or without an engine, the process-wide
`RateLimiter` of the service.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy.engine import Engine

from dataetat.store import limiteur
from dataetat.store.engine import write_retrying

MARGE = 0.05  # fraction of the interval added between two calls
# Shared by several processes and hosts: each call also waits for a commit and the paths to the
# service differ; twice the margin (at 7 req/s: 6.4 calls a second, any 7 of them at least 1.1 s apart).
MARGE_PARTAGEE = 0.10


class RateLimiter:
    def __init__(self, rate: float, period: float = 1.0) -> None:
        if rate <= 0 or period <= 0:
            raise ValueError("rate and period must be positive")
        self.rate, self.period = rate, period
        self.interval = period / rate * (1 + MARGE)
        self._next = 0.0  # monotonic time of the next free slot
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait for it, in seconds."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        # A sleep that overshot (a loaded machine) must not bring the next call closer than the
        # interval: the next slot counts from now, when the call actually goes.
        with self._lock:
            self._next = max(self._next, time.monotonic() + self.interval)

    def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now (the service said Retry-After, or its window is spent)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


class SharedRateLimiter:
    """`RateLimiter`'s contract, its next slot kept in the database: every process calling the
    service through this database shares its rate. One short transaction per call (two when the
    sleep overshot its slot)."""

    def __init__(self, engine: Engine, key: str, rate: float, period: float = 1.0) -> None:
        if rate <= 0 or period <= 0:
            raise ValueError("rate and period must be positive")
        self.engine, self.rate, self.period = engine, rate, period
        self.key = limiteur.digest(f"service:{key}|{rate}/{period}")
        self.interval = period / rate * (1 + MARGE_PARTAGEE)

    def reserve(self) -> float:
        """Take the next slot of the service; returns how long to wait for it, in seconds."""
        return self._take() - time.time()

    def _take(self) -> float:
        return write_retrying(self.engine, limiteur.take_slot, self.key, self.interval)

    def acquire(self) -> None:
        slot = self._take()
        if (wait := slot - time.time()) > 0:
            time.sleep(wait)
        if (
            late := time.time() - slot
        ) > MARGE_PARTAGEE * self.interval:  # a slow commit, a sleep that overshot:
            write_retrying(self.engine, limiteur.shift_slots, self.key, late)  # the next ones as late

    def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now, for every process (the service said Retry-After)."""
        write_retrying(self.engine, limiteur.hold_slot, self.key, seconds - self.interval)


_limiters: dict[tuple, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    key: str, rate: float, period: float, engine: Engine | None = None
) -> RateLimiter | SharedRateLimiter:
    """The limiter of one service (key: its name and base URL) at this rate: shared through the
    database on PostgreSQL, else process-wide."""
    if engine is not None and engine.dialect.name == "postgresql":
        return SharedRateLimiter(engine, key, rate, period)
    with _registry_lock:
        return _limiters.setdefault((key, rate, period), RateLimiter(rate, period))
