"""The referentials page: counts, a new version loaded through the form, refusals that change nothing."""

import re

from fastapi.testclient import TestClient
from tests.conftest import TEST_DATA

from dataetat.query import ouvert
from dataetat.web import csrf
from dataetat.web.app import create_app


def _token(client: TestClient) -> str:
    page = client.get("/referentiels")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _count(html: str, table: str) -> int:
    cell = re.search(rf"<th scope=\"row\">{table}</th><td class=\"montant\">([^<]+)</td>", html).group(1)
    return int(re.sub(r"\D", "", cell))


def test_load_a_referential_and_refusals(settings, engine, tmp_path):
    with TestClient(create_app(settings)) as client:
        token = _token(client)
        before = client.get("/referentiels").text
        regions_before = _count(before, "region")
        assert regions_before >= 18
        regions = TEST_DATA / "cog" / "2026" / "regions.csv"
        with regions.open("rb") as f:
            loaded = client.post(
                "/referentiels",
                data={csrf.FIELD: token, "type": "regions"},
                files={"fichier": ("regions.csv", f)},
            )
        assert loaded.status_code == 200
        assert "Référentiel chargé : regions.csv" in loaded.text and _count(loaded.text, "region") >= 18
        with engine.connect() as conn:  # the open cells refreshed in the load's transaction (as the CLI)
            assert ouvert.seuil_stocke(conn) == max(settings.secret_statistique_seuil, 1)

        bad = tmp_path / "regions.csv"
        bad.write_text("nimporte;quoi\n1;2\n", encoding="utf-8")
        with bad.open("rb") as f:
            refused = client.post(
                "/referentiels",
                data={csrf.FIELD: token, "type": "regions"},
                files={"fichier": ("regions.csv", f)},
            )
        assert (
            refused.status_code == 400
            and "Fichier refusé" in refused.text
            and "Fichier «\u00a0regions.csv\u00a0» :" in refused.text
        )
        alert = refused.text.split('id="erreur-referentiel"', 1)[1].split("</div>", 1)[0]
        assert alert.count("regions.csv") == 1, alert  # the message names the file once
        assert _count(refused.text, "region") == _count(loaded.text, "region")  # nothing changed
        with bad.open("rb") as f:
            forged = client.post("/referentiels", data={"type": "regions"}, files={"fichier": ("r.csv", f)})
        assert forged.status_code == 403
        assert client.post("/referentiels", data={csrf.FIELD: token, "type": "x"}).status_code == 400
