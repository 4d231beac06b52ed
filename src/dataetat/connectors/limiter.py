"""A rate limiter per service: calls evenly spaced at the service's published rate, across threads.

    limiter = RateLimiter(7, 1.0)      # 7 requests per second
    limiter.acquire()                  # sleeps until this call's slot

Slots are spaced by period / rate plus a 5 % margin (no burst), so the service never sees more than
its limit in any window, whatever the number of threads sharing the limiter: without the margin, the
jitter between our clock and the service's (a request sent a few milliseconds late, the next one on
time) puts rate + 1 requests in some window and earns a 429 (measured: 45 of 420 at 7 req/s).

The services' limits are per IP address or per token, not per process: with several workers and
app servers (docs/deploiement.md) they must share one budget. `limiter_for(key, rate, period,
creneaux)` returns, given the database's slots (store/limiteur.py `creneaux_partages(engine)`: on
PostgreSQL; the same table as the login limiter's paced attempts, slots by the database's clock, so
that the hosts' clocks need not agree), a `SharedRateLimiter`; without (DuckDB: one process), the
process-wide `RateLimiter` of the service. The connectors do not import the store: the caller
(jobs/, query/) passes the slots.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Protocol

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


class Creneaux(Protocol):
    """Where shared slots are kept (store/limiteur.py `Creneaux`: the database). Keys are opaque."""

    def take(self, key: str, interval: float) -> float: ...  # the slot's time.time(), taken
    def shift(self, key: str, by: float) -> None: ...  # the slots not yet taken, `by` s later
    def hold(self, key: str, ahead: float) -> None: ...  # the last slot no earlier than now + ahead


class SharedRateLimiter:
    """`RateLimiter`'s contract, its next slot kept in `creneaux` (the database): every process
    calling the service through it shares its rate. One short transaction per call (two when the
    call went late)."""

    def __init__(self, creneaux: Creneaux, key: str, rate: float, period: float = 1.0) -> None:
        if rate <= 0 or period <= 0:
            raise ValueError("rate and period must be positive")
        self.creneaux, self.rate, self.period = creneaux, rate, period
        self.key = hashlib.sha256(f"service:{key}|{rate}/{period}".encode()).hexdigest()
        self.interval = period / rate * (1 + MARGE_PARTAGEE)

    def reserve(self) -> float:
        """Take the next slot of the service; returns how long to wait for it, in seconds."""
        return self.creneaux.take(self.key, self.interval) - time.time()

    def acquire(self) -> None:
        slot = self.creneaux.take(self.key, self.interval)
        if (wait := slot - time.time()) > 0:
            time.sleep(wait)
        late = time.time() - slot
        if late > MARGE_PARTAGEE * self.interval:  # a slow commit, a sleep that overshot:
            self.creneaux.shift(self.key, late)  # the next slots as late

    def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now, for every process (the service said Retry-After)."""
        self.creneaux.hold(self.key, seconds - self.interval)


_limiters: dict[tuple, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    key: str, rate: float, period: float, creneaux: Creneaux | None = None
) -> RateLimiter | SharedRateLimiter:
    """The limiter of one service (key: its name and base URL) at this rate: shared through
    `creneaux` when given (PostgreSQL: store/limiteur.py `creneaux_partages`), else process-wide."""
    if creneaux is not None:
        return SharedRateLimiter(creneaux, key, rate, period)
    with _registry_lock:
        return _limiters.setdefault((key, rate, period), RateLimiter(rate, period))
