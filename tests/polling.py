"""Waiting in a test for what another thread does, without sleeping a fixed time."""

from __future__ import annotations

import threading
from collections.abc import Callable

WAIT = 30  # seconds: a bound on waits for the other thread, never reached when things work


def until(condition: Callable[[], object], timeout: float = WAIT) -> bool:
    """`condition()` became true within `timeout` seconds (polled every 5 ms)."""
    tick = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if condition():
            return True
        tick.wait(0.005)
    return bool(condition())
