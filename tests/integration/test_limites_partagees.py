"""The limits shared by every process through the database (store/limiteur.py), on DuckDB and
PostgreSQL: two app servers on one database, through real HTTP, share the open validation's budget
per client address; two workers of an outside service share its rate (tests/fakes/entreprises.py
counts the requests of every sliding second and answers 429 beyond the limit)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from tests.fakes.entreprises import FauxEntreprises
from tests.serving import serve_in_thread

from dataetat.connectors.client import Client, Reglages, Service, reinitialiser
from dataetat.connectors.limiter import RateLimiter, SharedRateLimiter, limiter_for
from dataetat.store.engine import make_engine
from dataetat.store.limiteur import Creneaux, creneaux_partages

RAPIDE = Reglages(delai=5.0, essais=3, backoff=0.05, attente_max=2.0)


def _valider(base: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/validation/decp",
        content=b'{"marches": []}',
        headers={"content-type": "application/json"},
        timeout=30,
    )


def test_two_app_servers_share_the_validation_budget(settings, engine):
    ouvert = settings.model_copy(update={"auth_developpement": False, "validation_par_minute": 3})
    with serve_in_thread(ouvert) as a, serve_in_thread(ouvert) as b:
        statuses = [_valider(base).status_code for base in (a, b, a)]
        assert statuses == [200, 200, 200]
        for base in (b, a):  # the budget of this address is spent, on either server
            refused = _valider(base)
            assert refused.status_code == 429
            assert refused.json()["erreur"]["code"] == "trop-de-requetes"
            assert "Trop de validations depuis votre adresse" in refused.json()["erreur"]["message"]
            assert 1 <= int(refused.headers["retry-after"]) <= 61


@pytest.fixture
def _fresh_registries():
    reinitialiser()
    yield
    reinitialiser()


RATE = 7  # Recherche d'entreprises: 7 requests per second per client address
PER_WORKER = 14


def _worker(client: Client, sirets: list[str], statuses: list[int]) -> None:
    for siret in sirets:
        statuses.append(client.get("/search", params={"q": siret}).status_code)


def _run_two_workers(url: str, clients: list[Client]) -> list[int]:
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=_worker, args=(c, [f"8512966320{i:02d}{n:02d}" for n in range(PER_WORKER)], statuses)
        )
        for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return statuses


@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)  # PostgreSQL only, never skipped
def test_two_workers_share_an_outside_services_rate(settings, engine, _fresh_registries):
    """Two workers (two engines on one PostgreSQL database, as two hosts) call Recherche d'entreprises
    at once: the fake, which answers 429 beyond 7 requests in any second, never has to. (DuckDB is one
    process: its limiter stays in memory, tests/integration/test_connecteurs_client.py.)"""
    faux = FauxEntreprises({}, limite=(RATE, 1.0))
    other = make_engine(settings)
    try:
        with faux.recherche() as serveur:
            service = Service(nom="Recherche d'entreprises", url=serveur.url, par=(RATE, 1.0))
            clients = [Client(service, RAPIDE, creneaux_partages(e)) for e in (engine, other)]
            assert all(isinstance(c.limiter, SharedRateLimiter) for c in clients)
            statuses = _run_two_workers(serveur.url, clients)
            for c in clients:
                c.close()
    finally:
        other.dispose()
    assert statuses == [200] * (2 * PER_WORKER)
    assert faux.refus_429 == 0
    times = sorted(r.quand for r in serveur.requetes)
    assert times[-1] - times[0] >= (2 * PER_WORKER - 1) / RATE * 0.9  # one budget, not two


def test_two_processes_with_their_own_limiter_are_refused(_fresh_registries):
    """The control: each worker with its own in-process limiter (as before) sends twice the rate."""
    faux = FauxEntreprises({}, limite=(RATE, 1.0))
    with faux.recherche() as serveur:
        service = Service(nom="Recherche d'entreprises", url=serveur.url, par=(RATE, 1.0))
        clients = [Client(service, RAPIDE), Client(service, RAPIDE)]
        for c in clients:
            c.limiter = RateLimiter(RATE, 1.0)  # what a second process had
        _run_two_workers(serveur.url, clients)
        for c in clients:
            c.close()
    assert faux.refus_429 > 0


def test_slots_shared_through_the_database(settings, engine):
    """The slot mechanism itself, on both databases: two engines take alternate slots of one key."""
    other = make_engine(settings)
    try:
        # One call per 10 s: the slots are far apart, whatever the load of the machine taking them.
        limiters = [SharedRateLimiter(Creneaux(e), "test", 1, 10.0) for e in (engine, other)]
        slots = []
        for i in range(6):
            wait = limiters[i % 2].reserve()
            slots.append(time.time() + wait)  # when the slot is, on one clock
        interval = limiters[0].interval
        gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
        assert gaps == pytest.approx([interval] * 5, abs=0.05)  # whichever engine took it
        held = [SharedRateLimiter(Creneaux(e), "autre", 10, 1.0) for e in (engine, other)]
        held[1].pause(2.0)  # a Retry-After seen by one process holds the other
        assert 1.0 < held[0].reserve() <= 2.0
        assert limiter_for("x", 10, 1.0, creneaux_partages(engine)).__class__ is (
            SharedRateLimiter if engine.dialect.name == "postgresql" else RateLimiter
        )
    finally:
        other.dispose()
