"""Saved searches written twice at once (a double click, two tabs): never a 500.

- PostgreSQL: two saves of one name — the second waited for the first's row of the unique name,
  then failed on it (a 500): now it is refused in French, as any name already taken;
- DuckDB: a rename while another change of the same search is in flight — DuckDB refused it
  (« Conflict on update », a 500): now it is tried again once the other committed."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from dataetat.store import engine as store_engine
from dataetat.store import recherches as store
from dataetat.web import csrf, sauvegardes
from dataetat.web.app import create_app
from dataetat.web.deps import Identity, identity
from dataetat.web.formulaire import Recherche

ALICE = Identity("alice@x.fr", None, "USERS")
CONTENU = sauvegardes.contenu(Recherche())
WAIT = 30  # seconds: a bound on waits for the other thread, never reached when things work


def _client(settings) -> TestClient:
    app = create_app(settings)
    app.dependency_overrides[identity] = lambda: ALICE
    return TestClient(app)


def _token(client: TestClient) -> str:
    assert client.get("/recherches").status_code == 200
    return client.cookies.get(csrf.COOKIE)


def _post_while(engine, client: TestClient, url: str, data: dict, in_flight, ready) -> int:
    """POST `url` while another transaction (`in_flight(conn)`, not committed) wrote the same row;
    the other commits once `ready()` (the request waits for it, or was refused once), or the
    request answered. Returns the request's status."""
    answers: list[int] = []
    answered = threading.Event()

    def post() -> None:
        try:
            answers.append(client.post(url, data=data, follow_redirects=False).status_code)
        finally:
            answered.set()

    asking = threading.Thread(target=post)
    with engine.connect() as other:
        tx = other.begin()
        in_flight(other)
        asking.start()
        for _ in range(int(WAIT / 0.005)):
            if answered.wait(0.005) or ready():
                break
        tx.commit()
    asking.join(WAIT)
    return answers[0]


@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)  # DuckDB has no unique index here
def test_two_saves_of_one_name_at_once_on_postgresql(settings, engine):
    def waiting_for_a_lock() -> bool:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            return conn.exec_driver_sql(query).scalar_one() > 0

    with _client(settings) as client:
        form = {csrf.FIELD: _token(client), "nom": "Emploi", "parametres": "programmes=103"}
        status = _post_while(
            engine,
            client,
            "/recherches",
            form,
            lambda conn: store.create(
                conn, ALICE.user, "Emploi", CONTENU, sauvegardes.VERSION
            ),  # the other tab's save
            waiting_for_a_lock,
        )
    assert status == 409
    with engine.connect() as conn:
        assert [x.nom for x in store.list_of(conn, ALICE.user)] == ["Emploi"]


@pytest.mark.parametrize("settings", ["duckdb"], indirect=True)  # PostgreSQL makes the rename wait
def test_a_rename_while_the_search_changes_on_duckdb(settings, engine, monkeypatch):
    with engine.begin() as conn:
        recherche_id = store.create(conn, ALICE.user, "Emploi", CONTENU, sauvegardes.VERSION)
    refused = threading.Event()
    conflict = store_engine.is_write_conflict

    def spied(error: BaseException) -> bool:
        if conflict(error):
            refused.set()
            return True
        return False

    monkeypatch.setattr(store_engine, "is_write_conflict", spied)
    with _client(settings) as client:
        form = {csrf.FIELD: _token(client), "nom": "Carte"}
        status = _post_while(
            engine,
            client,
            f"/recherches/{recherche_id}/renommer",
            form,
            lambda conn: conn.execute(
                sa.text("UPDATE recherche_sauvegardee SET nom = 'Autre' WHERE id = :i"), {"i": recherche_id}
            ),
            refused.is_set,
        )
    assert status == 303 and refused.is_set()
    with engine.connect() as conn:
        assert store.get(conn, recherche_id).nom == "Carte"  # the rename, after the other change
