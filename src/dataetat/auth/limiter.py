"""Login attempts limited in memory: after `limit` failures in `window` seconds for one e-mail or one
client address, further attempts are refused until the oldest failure leaves the window.

In memory, hence per process: enough for the embedded mode (one process); the server mode's identity
provider limits attempts itself.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable

LIMIT = 5
WINDOW = 15 * 60  # seconds


class LoginLimiter:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, keys: list[str], now: float) -> bool:
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failure(self, keys: list[str], now: float) -> None:
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def success(self, keys: list[str]) -> None:
        """A good password forgets the failures of that e-mail (not of the address)."""
        with self._lock:
            for k in keys:
                if k.startswith("email:"):
                    self._failures.pop(k, None)


def keys(email: str, client: str | None) -> list[str]:
    return [f"email:{email.strip().lower()}", f"ip:{client or 'inconnu'}"]


Clock = Callable[[], float]
