"""Line detail, payments and years through the API, region-scoped, with the one error shape."""

import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.web.app import create_app


@pytest.fixture
def data(engine, tmp_path):
    return import_two_regions(engine, tmp_path)


def client(settings, **changes):
    return TestClient(create_app(settings.model_copy(update=changes)))


def _ids(api) -> dict[str, int]:
    lines = api.get("/api/v1/lignes", params={"colonnes": "n_ej,montant_ae,montant_cp"}).json()["lignes"]
    return {(line["n_ej"] or "orphelin"): line["id"] for line in lines}


def test_line_detail_and_payments(settings, data):
    with client(settings) as api:
        ids = _ids(api)
        detail = api.get(f"/api/v1/lignes/{ids['100']}").json()
        assert (detail["n_ej"], detail["montant_ae"], detail["montant_cp"]) == ("100", 1000.0, 500.0)
        assert detail["programme_code"] == "103" and "localisation_commune_label" in detail
        paid = api.get(f"/api/v1/lignes/{ids['100']}/paiements").json()["paiements"]
        assert sorted(p["n_dp"] for p in paid) == ["900", "901"]
        assert sum(p["montant"] for p in paid) == detail["montant_cp"]
        orphan = api.get(f"/api/v1/lignes/{ids['orphelin']}/paiements").json()["paiements"]
        assert [(p["n_dp"], p["montant"]) for p in orphan] == [("902", 7.0)]
        assert api.get("/api/v1/annees").json() == [2023, 2022]


def test_unknown_line_is_a_french_404(settings, data):
    with client(settings) as api:
        for url in ("/api/v1/lignes/999999", "/api/v1/lignes/999999/paiements"):
            response = api.get(url)
            assert response.status_code == 404
            assert response.json()["erreur"]["code"] == "ligne-introuvable"
            assert "Aucune ligne 999999" in response.json()["erreur"]["message"]
        response = api.get("/api/v1/lignes/abc")
        assert response.status_code == 400
        assert response.json()["erreur"]["code"] == "parametre-invalide"


def test_region_scope_applies_to_details_payments_years(settings, data):
    with client(settings) as api:
        ids = _ids(api)
    with client(settings, region_developpement="52") as api:
        assert set(_ids(api)) == {"200"}
        assert api.get(f"/api/v1/lignes/{ids['100']}").status_code == 404
        assert api.get(f"/api/v1/lignes/{ids['100']}/paiements").status_code == 404
        assert api.get(f"/api/v1/lignes/{ids['200']}").json()["source_region"] == "52"
        assert api.get("/api/v1/annees").json() == [2022]


def test_hostile_inputs_are_400_not_server_errors(settings, data):
    # Found by fuzzing: PostgreSQL refuses NUL characters and integers beyond BIGINT with a server error.
    with client(settings) as api:
        for url in (
            "/api/v1/lignes/99999999999999999999",
            "/api/v1/lignes?n_ej=%00",
            "/api/v1/referentiels/zones/commune?q=%00",
            "/api/v1/referentiels/beneficiaires?q=ab%00c",
        ):
            response = api.get(url)
            assert response.status_code == 400, url
            assert response.json()["erreur"]["code"] == "parametre-invalide"


def test_line_without_ej_shows_no_other_payment(settings, data):
    """Issue 15 item 1: an operator's aid has no EJ; its payments are not those of every EJ-less CP
    (région 53's orphan payment here), and the files behind it are its own file only."""
    from pathlib import Path

    from dataetat.store.sources_import import import_source

    ademe = Path(__file__).resolve().parents[1] / "data" / "sources" / "ademe.csv"
    engine = data
    assert import_source(engine, "ademe", ademe).written
    with client(settings) as api:
        lines = api.get("/api/v1/lignes", params={"source": "ADEME", "colonnes": "n_ej"}).json()["lignes"]
        assert lines
        aid = lines[0]["id"]
        assert api.get(f"/api/v1/lignes/{aid}/paiements").json()["paiements"] == []
        page = api.get(f"/lignes/{aid}")
        assert page.status_code == 200
        assert "cp53.csv" not in page.text and "902" not in page.text
        assert "ademe.csv" in page.text
