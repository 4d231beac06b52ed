"""Health probes (web/sante.py): /sante answers without a login; /sante/pret says ready when the database
answers at the head revision, 503 with the French reason when the schema is behind or a registered
check (the object store's, say) fails. Both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.s3_local import s3_server, s3_settings

from dataetat.store import migrate
from dataetat.store.engine import make_engine
from dataetat.web.app import create_app


def test_alive_and_ready_without_login(engine, settings):
    settings = settings.model_copy(update={"auth_developpement": False})
    with TestClient(create_app(settings)) as client:
        alive = client.get("/sante", follow_redirects=False)
        assert alive.status_code == 200 and alive.json() == {"statut": "vivant"}
        assert alive.headers["cache-control"] == "no-store"
        ready = client.get("/sante/pret", follow_redirects=False)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {
            "statut": "pret",
            "verifications": {"base": "ok", "migrations": "ok", "stockage": "ok"},
        }
        assert client.get("/", follow_redirects=False).status_code == 303  # the rest still needs a login


def test_not_ready_when_the_schema_is_behind_or_a_check_fails(settings):
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, "0004_comptes")
    finally:
        engine.dispose()
    app = create_app(settings.model_copy(update={"taches_dans_le_serveur": False}))  # a schema behind
    with TestClient(app) as client:
        behind = client.get("/sante/pret")
        assert behind.status_code == 503
        body = behind.json()
        assert body["statut"] == "indisponible" and body["verifications"]["base"] == "ok"
        assert body["verifications"]["migrations"].startswith("schéma à la révision 0004_comptes, attendu ")
        assert "dataetat db upgrade" in body["verifications"]["migrations"]
        assert client.get("/sante").status_code == 200  # alive all the same

        migrate.upgrade(app.state.engine)
        assert client.get("/sante/pret").status_code == 200
        app.state.verifications_pret["autre"] = lambda app: "service tiers injoignable"
        failing = client.get("/sante/pret")
        assert failing.status_code == 503
        assert failing.json()["verifications"]["autre"] == "service tiers injoignable"


def test_not_ready_when_the_object_store_cannot_be_reached(engine, settings):
    with s3_server() as endpoint:
        s3 = s3_settings(settings, endpoint, stockage_s3_delai_s=1)
        with TestClient(create_app(s3)) as client:
            assert client.get("/sante/pret").json()["verifications"]["stockage"] == "ok"
        missing = s3.model_copy(
            update={"stockage_url": "s3://seau-absent/x", "taches_dans_le_serveur": False}
        )
        with TestClient(create_app(missing)) as client:
            failing = client.get("/sante/pret")
            assert failing.status_code == 503
            assert failing.json()["verifications"]["stockage"] == "stockage des fichiers injoignable"
            assert "seau-absent" not in failing.text and endpoint not in failing.text
