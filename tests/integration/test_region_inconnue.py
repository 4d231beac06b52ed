"""Lines of unknown région (issue 11 item 8): an operator's aid whose beneficiary is not
geolocated belongs to no région. A regional user's searches, totals, details and look-ups leave
them out and the search page tells their number, sum and why; a national user sees them, how
many of the results they are, and filters them with `source_region=inconnue`. DuckDB and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.store.sources_import import import_source
from dataetat.web.app import create_app

ADEME = Path(__file__).resolve().parents[1] / "data" / "sources" / "ademe.csv"
NNBSP = "\u202f"


@pytest.fixture
def data(engine, tmp_path):
    import_two_regions(engine, tmp_path)  # 53: EJ 100, 101, an orphan CP; 52: EJ 200
    assert import_source(engine, "ademe", ADEME).written  # 3 aids, 15,000 €, no SIRENE: no région
    return engine


def client(settings, region: str | None) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"region_developpement": region or ""})))


def test_regional_user_sees_no_line_of_unknown_region_only_their_count(settings, data):
    with client(settings, "52") as api:
        body = api.get("/api/v1/lignes", params={"colonnes": "n_ej,source,beneficiaire_denomination"}).json()
        assert [line["n_ej"] for line in body["lignes"]] == ["200"]
        assert body["total"]["count"] == 1
        assert api.get("/api/v1/lignes", params={"source": "ADEME"}).json()["total"]["count"] == 0
        assert api.get("/api/v1/referentiels/beneficiaires", params={"q": "MEGO"}).json() == []
        page = api.get("/", params={"vue": "lignes", "colonnes": "n_ej,beneficiaire_denomination"})
        assert page.status_code == 200
        assert "MEGO" not in page.text
        assert 'id="region-inconnue"' in page.text
        assert f"3 lignes d'aide (15{NNBSP}000,00{NNBSP}€) sont de région inconnue" in page.text
        assert "bénéficiaire n'est pas géolocalisé" in page.text
        # The notice is the same whatever the search: a filtered count would let one probe the lines.
        probe = api.get("/", params={"beneficiaires": "82815371800014", "vue": "lignes"})
        assert f"3 lignes d'aide (15{NNBSP}000,00{NNBSP}€)" in probe.text
    with client(settings, None) as api:
        ademe = api.get("/api/v1/lignes", params={"source": "ADEME"}).json()["lignes"]
    with client(settings, "52") as api:
        for line in ademe:
            assert api.get(f"/api/v1/lignes/{line['id']}").status_code == 404
            assert api.get(f"/lignes/{line['id']}").status_code == 404


def test_national_user_sees_them_and_filters_them(settings, data):
    with client(settings, None) as api:
        total = api.get("/api/v1/lignes").json()["total"]
        assert total["count"] == 3 + 1 + 3  # 53 (2 EJ + orphan CP), 52, ADEME
        unknown = api.get("/api/v1/lignes", params={"source_region": "inconnue", "colonnes": "source"}).json()
        assert unknown["total"] == {"count": 3, "montant_ae": 15000.0, "montant_cp": 0.0}
        assert {line["source"] for line in unknown["lignes"]} == {"ADEME"}
        both = api.get("/api/v1/lignes", params={"source_region": "52,inconnue"}).json()["total"]
        assert both["count"] == 4
        page = api.get("/", params={"vue": "lignes"})
        assert f"Dont 3 lignes (15{NNBSP}000,00{NNBSP}€) de région inconnue" in page.text
        assert "source_region=inconnue" in page.text
        chorus = api.get("/", params={"vue": "lignes", "source": "FINANCIAL_DATA_AE"})
        assert 'id="region-inconnue"' not in chorus.text  # none of these results is of unknown région
