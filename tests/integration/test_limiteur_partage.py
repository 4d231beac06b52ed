"""The login limiter shared through the database (issue 16 §2): the rules of tests/unit/test_limiter.py
hold when the attempts alternate between two app servers (two engines, two limiters) on one
database, on DuckDB and PostgreSQL; and through two apps: failures on server A slow down server B."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from dataetat.auth import passwords
from dataetat.auth.limiter import FIRST_WAIT, PACE, SharedLimiter
from dataetat.store import comptes
from dataetat.store.engine import make_engine
from dataetat.web import csrf
from dataetat.web.app import create_app

OWNER = "agent.53@exemple.gouv.fr"
PASSWORD = "correct horse battery staple"
T0 = 1_800_000_000.0


class TwoServers:
    """The limiter's calls, alternately on server A's and server B's engine."""

    def __init__(self, settings, engine) -> None:
        self.engines = [engine, make_engine(settings)]
        self.limiters = [SharedLimiter(), SharedLimiter()]
        self._turn = itertools.cycle([0, 1])

    def _next(self):
        i = next(self._turn)
        return self.limiters[i], self.engines[i]

    def wait(self, email, client, now):
        limiter, engine = self._next()
        return limiter.wait(engine, email, client, now)

    def failure(self, email, client, now):
        limiter, engine = self._next()
        limiter.failure(engine, email, client, now)

    def success(self, email, client, now=T0):
        limiter, engine = self._next()
        limiter.success(engine, email, client, now)


@pytest.fixture
def servers(settings, engine):
    two = TwoServers(settings, engine)
    yield two
    two.engines[1].dispose()


def fail(limiter, email: str, client: str, now: float, times: int = 1) -> None:
    for _ in range(times):
        assert limiter.wait(email, client, now) == 0
        limiter.failure(email, client, now)


def test_the_guessing_pair_waits_longer_and_longer_whichever_server(servers):
    fail(servers, OWNER, "10.0.0.66", T0, times=5)
    assert servers.wait(OWNER, "10.0.0.66", T0) == FIRST_WAIT
    assert servers.wait(OWNER, "10.0.0.66", T0) == FIRST_WAIT  # the other server too
    now = T0 + FIRST_WAIT
    fail(servers, OWNER, "10.0.0.66", now)
    assert servers.wait(OWNER, "10.0.0.66", now) == 2 * FIRST_WAIT
    assert servers.wait(OWNER, "10.0.0.66", now + 15 * 60 + 1) == 0  # the window forgets


def test_the_owner_is_never_locked_out_and_a_good_password_clears_the_pair(servers):
    fail(servers, OWNER, "10.0.0.66", T0, times=5)
    assert servers.wait(OWNER, "192.168.1.10", T0) == 0  # the owner, from their own address
    servers.success(OWNER, "192.168.1.10")
    assert servers.wait(OWNER, "10.0.0.66", T0) > 0  # the guesser still waits
    servers.success(OWNER, "10.0.0.66")
    assert servers.wait(OWNER, "10.0.0.66", T0) == 0


def test_pacing_of_a_guessed_account_holds_across_servers(servers):
    for i in range(20):
        fail(servers, OWNER, f"10.1.0.{i}", T0 + i)
    now = T0 + 20
    assert servers.wait(OWNER, "10.2.0.1", now) == 0  # a first attempt from a new address goes on (A)
    assert servers.wait(OWNER, "10.2.0.2", now + 1) == PACE - 1  # the next one waits, on B
    assert servers.wait(OWNER, "10.2.0.2", now + PACE) == 0


def test_a_shared_address_keeps_working_for_those_who_logged_in_from_it(servers):
    servers.success(OWNER, "172.16.0.1")
    for i in range(50):
        fail(servers, f"inconnu{i}@exemple.gouv.fr", "172.16.0.1", T0)
    assert servers.wait(OWNER, "172.16.0.1", T0) == 0
    newcomer = "agent.52@exemple.gouv.fr"
    assert servers.wait(newcomer, "172.16.0.1", T0) == 0
    assert 0 < servers.wait(newcomer, "172.16.0.1", T0 + 1) <= PACE


def _login(client: TestClient, password: str) -> int:
    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form = {csrf.FIELD: token, "email": OWNER, "mot_de_passe": password, "suite": ""}
    return client.post("/connexion", data=form, follow_redirects=False).status_code


def test_failures_on_server_a_slow_down_server_b(settings, engine):
    with engine.begin() as conn:
        comptes.create(conn, OWNER, "USERS", "53", passwords.hash_password(PASSWORD))
    server = settings.model_copy(update={"auth_developpement": False})
    with TestClient(create_app(server)) as a, TestClient(create_app(server)) as b:
        assert [_login(a, "mauvais") for _ in range(5)] == [400] * 5
        assert _login(b, PASSWORD) == 429  # the same client address, now through server B
        assert _login(a, PASSWORD) == 429
