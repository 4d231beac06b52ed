"""A circuit breaker per service: stop calling a service that keeps failing, say so in French.

closed ──(`seuil` failures in a row: 429, 5xx, timeout, connection refused)──> open
open ──(`pause` seconds later)──> half-open: one call is let through
half-open ──success──> closed;  ──failure──> open again for `pause` seconds

While open, `check()` raises CircuitOuvert without calling (a storm of retries gets an IP banned:
12 h at API Entreprise, fail2ban at Recherche d'entreprises). `breaker_for(key, …)` returns the
process-wide breaker of a service.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from dataetat.connectors.errors import CircuitOuvert

log = logging.getLogger("dataetat.connectors")


class CircuitBreaker:
    def __init__(self, service: str, seuil: int = 5, pause: float = 60.0) -> None:
        self.service, self.seuil, self.pause = service, max(1, seuil), pause
        self.echecs = 0
        self._opened_at: float | None = None  # monotonic time it opened; None = closed
        self._trial = False  # half-open: a trial call is in flight
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return "ferme"
        return "ouvert" if time.monotonic() - self._opened_at < self.pause else "semi-ouvert"

    def check(self) -> None:
        """Raise CircuitOuvert when calls are suspended; let one trial call through when half-open."""
        with self._lock:
            state = self._state()
            if state == "ferme":
                return
            if state == "semi-ouvert" and not self._trial:
                self._trial = True
                return
            remaining = max(0.0, self.pause - (time.monotonic() - (self._opened_at or 0)))
            raise CircuitOuvert(self.service, datetime.now() + timedelta(seconds=remaining), self.echecs)

    def success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.warning("service %s : le circuit se referme (appels repris)", self.service)
            self.echecs, self._opened_at, self._trial = 0, None, False

    def failure(self) -> None:
        with self._lock:
            self.echecs += 1
            if self._trial or (self._opened_at is None and self.echecs >= self.seuil):
                log.warning(
                    "service %s : %s échecs de suite, appels suspendus %s s",
                    self.service,
                    self.echecs,
                    self.pause,
                )
                self._opened_at = time.monotonic()
            self._trial = False


_breakers: dict[tuple, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(key: str, service: str, seuil: int, pause: float) -> CircuitBreaker:
    with _registry_lock:
        return _breakers.setdefault((key, seuil, pause), CircuitBreaker(service, seuil, pause))
