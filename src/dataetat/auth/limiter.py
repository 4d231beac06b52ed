"""Login attempts limited in memory: after `limit` failures in `window` seconds for one e-mail, or
`limit_address` for one client address (higher: the agents of a préfecture often share one address),
further attempts are refused until the oldest failure leaves the window.

In memory, hence per process: enough for the embedded mode (one process); the server mode's identity
provider limits attempts itself.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

LIMIT = 5  # failures per e-mail
LIMIT_ADDRESS = 50  # failures per client address
WINDOW = 15 * 60  # seconds
MAX_KEYS = 100_000


class LoginLimiter:
    def __init__(
        self, limit: int = LIMIT, window: float = WINDOW, limit_address: int = LIMIT_ADDRESS
    ) -> None:
        self.limit = limit
        self.limit_address = limit_address
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> int:
        """Failures of `key` still in the window (older ones forgotten, empty keys dropped)."""
        failures = self._failures.get(key)
        if failures is None:
            return 0
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return len(failures)

    def blocked(self, keys: list[str], now: float) -> bool:
        with self._lock:
            return any(
                self._recent(k, now) >= (self.limit if k.startswith("email:") else self.limit_address)
                for k in keys
            )

    def failure(self, keys: list[str], now: float) -> None:
        with self._lock:
            if len(self._failures) > MAX_KEYS:  # a flood of addresses or e-mails: forget the stale ones
                for k in list(self._failures):
                    self._recent(k, now)
            for k in keys:
                self._failures.setdefault(k, deque()).append(now)

    def success(self, keys: list[str]) -> None:
        """A good password forgets the failures of that e-mail (not of the address)."""
        with self._lock:
            for k in keys:
                if k.startswith("email:"):
                    self._failures.pop(k, None)


def keys(email: str, client: str | None) -> list[str]:
    return [f"email:{email.strip().lower()}", f"ip:{client or 'inconnu'}"]


Clock = Callable[[], float]
