"""The login limiter's rules (auth/limiter.py), on a clock moved by the test: a guesser waits longer
and longer, the owner of the account is never locked out by someone else's failures."""

from __future__ import annotations

from dataetat.auth.limiter import FIRST_WAIT, PACE, LoginLimiter

OWNER = "agent.53@exemple.gouv.fr"
T0 = 1_800_000_000.0


def fail(limiter: LoginLimiter, email: str, client: str, now: float, times: int = 1) -> None:
    for _ in range(times):
        assert limiter.wait(email, client, now) == 0
        limiter.failure(email, client, now)


def test_the_guessing_pair_waits_longer_and_longer():
    limiter = LoginLimiter()
    fail(limiter, OWNER, "10.0.0.66", T0, times=5)
    assert limiter.wait(OWNER, "10.0.0.66", T0) == FIRST_WAIT
    now = T0 + FIRST_WAIT
    fail(limiter, OWNER, "10.0.0.66", now)
    assert limiter.wait(OWNER, "10.0.0.66", now) == 2 * FIRST_WAIT
    now += 2 * FIRST_WAIT
    fail(limiter, OWNER, "10.0.0.66", now)
    assert limiter.wait(OWNER, "10.0.0.66", now) == 4 * FIRST_WAIT
    assert limiter.wait(OWNER, "10.0.0.66", now + 15 * 60 + 1) == 0  # the window forgets


def test_someone_elses_failures_never_lock_the_owner_out():
    limiter = LoginLimiter()
    fail(limiter, OWNER, "10.0.0.66", T0, times=5)
    assert limiter.wait(OWNER, "10.0.0.66", T0) > 0
    assert limiter.wait(OWNER, "192.168.1.10", T0) == 0  # the owner, from their own address
    limiter.success(OWNER, "192.168.1.10")
    assert limiter.wait(OWNER, "10.0.0.66", T0) > 0  # the guesser still waits


def test_guessing_spread_over_addresses_paces_the_account_without_locking_it():
    limiter = LoginLimiter()
    for i in range(20):
        fail(limiter, OWNER, f"10.1.0.{i}", T0 + i)
    now = T0 + 20
    assert limiter.wait(OWNER, "10.2.0.1", now) == 0  # a first attempt from a new address goes on
    assert limiter.wait(OWNER, "10.2.0.2", now + 1) == PACE - 1  # the next one waits a few seconds
    assert limiter.wait(OWNER, "10.2.0.2", now + PACE) == 0


def test_a_shared_address_keeps_working_for_those_who_logged_in_from_it():
    limiter = LoginLimiter()
    limiter.success(OWNER, "172.16.0.1")  # a préfecture behind one NAT
    for i in range(50):
        fail(limiter, f"inconnu{i}@exemple.gouv.fr", "172.16.0.1", T0)
    assert limiter.wait(OWNER, "172.16.0.1", T0) == 0  # known there: not held
    assert limiter.wait(OWNER, "172.16.0.1", T0) == 0
    newcomer = "agent.52@exemple.gouv.fr"
    assert limiter.wait(newcomer, "172.16.0.1", T0) == 0  # a newcomer is paced, never locked
    assert 0 < limiter.wait(newcomer, "172.16.0.1", T0 + 1) <= PACE
    assert limiter.wait(newcomer, "172.16.0.1", T0 + PACE) == 0


def test_a_good_password_clears_the_pairs_failures():
    limiter = LoginLimiter()
    fail(limiter, OWNER, "10.0.0.5", T0, times=4)
    limiter.success(OWNER, "10.0.0.5")
    fail(limiter, OWNER, "10.0.0.5", T0, times=4)
    assert limiter.wait(OWNER, "10.0.0.5", T0) == 0
