"""Login attempts slowed down, never a lock anyone can put on someone else's account.

Three counters of failures in a sliding window (15 minutes):
- per (e-mail, address) — the guesser: from the 5th failure, each further attempt of that pair waits
  30 s, then 1, 2, 4… minutes (at most the window) after the last failure;
- per e-mail, from any address — guessing spread over many addresses: from the 20th failure, one
  attempt on that account every 5 s;
- per address, on any e-mail — password spraying: from the 50th failure, one attempt from that
  address every 5 s.
The account's owner is never held by someone else's failures: an address from which the account
already logged in is exempt from the e-mail and address counters (a préfecture behind one NAT keeps
working while someone there guesses), and a new address only meets the short 5 s pace of those two
counters — never the pair's growing wait, which only the pair's own failures start. A good password
clears the pair's failures.

`SharedLimiter` keeps these counters in the database (store/limiteur.py), so that every app server
behind the load balancer sees the same ones (and a restart forgets nothing); `LoginLimiter` is the
same rules in memory. Both decide through `decide`. Behind a reverse proxy the client address is the
proxy's unless `dataetat serve` trusts it (setting `proxys_de_confiance`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from dataetat.store import limiteur
from dataetat.store.engine import write_retrying

LIMIT_PAIR = 5  # failures of one (e-mail, address) before it waits
LIMIT_EMAIL = 20  # failures on one e-mail, all addresses, before that e-mail is paced
LIMIT_ADDRESS = 50  # failures from one address, all e-mails, before that address is paced
FIRST_WAIT = 30.0  # seconds, doubled at each further failure of the pair
PACE = 5.0  # seconds between attempts of a paced e-mail or address
WINDOW = 15 * 60  # seconds
MAX_KEYS = 100_000


@dataclass
class Limits:
    """The thresholds of the rules (tests lower them)."""

    limit: int = LIMIT_PAIR
    window: float = WINDOW
    limit_address: int = LIMIT_ADDRESS
    limit_email: int = LIMIT_EMAIL


class LoginLimiter(Limits):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._failures: dict[str, deque[float]] = {}
        self._attempts: dict[str, float] = {}  # last attempt of a paced e-mail or address
        self._known: OrderedDict[str, None] = OrderedDict()  # (e-mail, address) that logged in
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        """Failures of `key` still in the window (older ones forgotten, empty keys dropped)."""
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def wait(self, email: str, client: str | None, now: float) -> float:
        """Seconds this attempt must still wait (0: go on). A go on a paced e-mail or address counts
        as that key's attempt."""
        pair, by_email, by_address = keys(email, client)
        with self._lock:
            counts = {k: len(self._recent(k, now)) for k in (pair, by_email, by_address)}
            last = self._failures[pair][-1] if counts[pair] else 0.0
            left, paced = decide(
                self, (pair, by_email, by_address), counts, last, pair in self._known, self._attempts, now
            )
            for k in paced:
                self._attempts[k] = now
            return left

    def failure(self, email: str, client: str | None, now: float) -> None:
        with self._lock:
            if len(self._failures) > MAX_KEYS:  # a flood of addresses or e-mails: forget the stale ones
                for k in list(self._failures):
                    self._recent(k, now)
                self._attempts.clear()
            for k in keys(email, client):
                self._failures.setdefault(k, deque()).append(now)

    def success(self, email: str, client: str | None) -> None:
        """A good password clears the pair's failures and marks the address as the account's."""
        pair = keys(email, client)[0]
        with self._lock:
            self._failures.pop(pair, None)
            self._known[pair] = None
            self._known.move_to_end(pair)
            while len(self._known) > MAX_KEYS:
                self._known.popitem(last=False)


def decide(
    limits,
    keys_: tuple[str, str, str],
    counts: dict[str, int],
    last_pair_failure: float,
    known: bool,
    attempts: dict[str, float],
    now: float,
) -> tuple[float, list[str]]:
    """The rules: (seconds to wait, paced keys whose attempt this go counts as). `limits` has
    `limit`, `limit_email`, `limit_address` and `window`; `counts` the failures per key in the window."""
    pair, by_email, by_address = keys_
    n = counts.get(pair, 0)
    if n >= limits.limit:
        backoff = min(FIRST_WAIT * 2 ** (n - limits.limit), limits.window)
        if (left := last_pair_failure + backoff - now) > 0:
            return left, []
    if known:
        return 0.0, []
    paced = [
        k
        for k, limit in ((by_email, limits.limit_email), (by_address, limits.limit_address))
        if counts.get(k, 0) >= limit
    ]
    left = max((attempts.get(k, -PACE) + PACE - now for k in paced), default=0.0)
    if left > 0:
        return left, []
    return 0.0, paced


class SharedLimiter(Limits):
    """The rules over counters kept in the database: the same for every app server. Each step is
    its own short transaction (retried on a DuckDB write conflict)."""

    def wait(self, engine: Engine, email: str, client: str | None, now: float) -> float:
        hashed = tuple(limiteur.digest(k) for k in keys(email, client))

        def decide_and_count(conn) -> float:
            limiteur.lock(conn, list(hashed[1:]))
            counts, lasts, known, attempts = limiteur.state(conn, list(hashed), now - self.window)
            left, paced = decide(
                self, hashed, counts, lasts.get(hashed[0], 0.0), hashed[0] in known, attempts, now
            )
            limiteur.record_attempts(conn, paced, now)
            return left

        return write_retrying(engine, decide_and_count)

    def failure(self, engine: Engine, email: str, client: str | None, now: float) -> None:
        hashed = [limiteur.digest(k) for k in keys(email, client)]
        write_retrying(engine, limiteur.record_failure, hashed, now, now - self.window)

    def success(self, engine: Engine, email: str, client: str | None, now: float) -> None:
        write_retrying(engine, limiteur.record_success, limiteur.digest(keys(email, client)[0]), now)


def keys(email: str, client: str | None) -> tuple[str, str, str]:
    """The (e-mail, address), e-mail and address counters of an attempt."""
    email, client = email.strip().lower(), client or "inconnu"
    return f"paire:{email}|{client}", f"email:{email}", f"ip:{client}"


def in_words(seconds: float) -> str:
    """« 30 secondes », « 2 minutes »: a wait as the login page says it."""
    if seconds <= 90:
        return f"{max(1, round(seconds))} secondes"
    return f"{round(seconds / 60)} minutes"


Clock = Callable[[], float]
