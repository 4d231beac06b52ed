"""Pages of their own: line detail (page and dialog fragment), "Mes exports", aide, and the HTML 404
beside the JSON errors of /api — on DuckDB and PostgreSQL."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.jobs.execution import run_pending
from dataetat.query import details
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.app import create_app

NNBSP = "\u202f"


@pytest.fixture
def data(engine, tmp_path):
    return import_two_regions(engine, tmp_path)


def client(settings, **changes) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes)))


def _ids(api) -> dict[str, int]:
    lines = api.get("/api/v1/lignes", params={"colonnes": "n_ej"}).json()["lignes"]
    return {(line["n_ej"] or "orphelin"): line["id"] for line in lines}


def test_line_page_every_section_payments_and_source_files(settings, data):
    with client(settings) as api:
        ids = _ids(api)
        response = api.get(f"/lignes/{ids['100']}")
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        html = response.text
        assert '<html lang="fr"' in html and "<h1" in html and "Engagement n° 100, poste 1" in html
        for section in (
            "Engagement",
            "Programme et imputation",
            "Bénéficiaire",
            "Localisation",
            "Dates",
            "Source",
        ):
            assert f">{section}</h2>" in html, section
        # Labels from the column registry, values with their labels.
        for label in (
            "N° EJ",
            "Montant engagé (AE)",
            "Domaine fonctionnel",
            "SIRET",
            "Localisation interministérielle",
        ):
            assert f"<dt>{label}</dt>" in html, label
        assert "85129663200017" in html and "N5335238" in html
        # Payments: both DP, total of the commitment.
        table = html[html.index('id="detail-paiements"') :]
        assert ">900<" in table and ">901<" in table
        assert f"500,00{NNBSP}€" in table and "Total (2 paiements)" in table
        # Source files and import date.
        assert "ae53.csv" in html and "cp53.csv" in html and "ae52.csv" not in html
        assert re.search(r"importé le \d\d/\d\d/\d{4} à \d\d h \d\d", html)
        assert "Aucun tag." in html


def test_orphan_payment_page_and_dialog_fragment(settings, data):
    with client(settings) as api:
        ids = _ids(api)
        html = api.get(f"/lignes/{ids['orphelin']}").text
        assert "CP sans engagement" in html and "fr-tag" in html
        assert (
            "non rattaché à une ligne d'engagement" in html and "cp53.csv" in html and "ae53.csv" not in html
        )
        fragment = api.get(f"/lignes/{ids['100']}", params={"fragment": "1"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and "fr-header" not in fragment.text
        assert 'id="detail-ligne-titre" class="fr-modal__title"' in fragment.text
        assert f'href="/lignes/{ids["100"]}"' in fragment.text  # the stable page of the line


def test_sources_are_region_scoped(settings, data):
    with client(settings) as api:
        ids = _ids(api)
    with data.connect() as conn:
        files = details.sources(conn, ids["100"], "53")
        assert [f["filename"] for f in files] == ["ae53.csv", "cp53.csv"]
        assert all(f["sha256"] and f["imported_at"] for f in files)
        assert [f["filename"] for f in details.sources(conn, ids["101"], None)] == ["ae53.csv"]
        assert details.sources(conn, ids["100"], "52") is None
        assert details.sources(conn, 999_999, None) is None


def test_unknown_or_out_of_region_line_is_an_html_404(settings, data):
    with client(settings) as api:
        ids = _ids(api)
    with client(settings, region_developpement="52") as api:
        for url in (f"/lignes/{ids['100']}", "/lignes/999999", "/lignes/abc"):
            response = api.get(url)
            assert response.status_code == 404, url
            assert "text/html" in response.headers["content-type"] and "Erreur 404" in response.text
        assert "Ligne introuvable" in api.get(f"/lignes/{ids['100']}").text
        fragment = api.get(f"/lignes/{ids['100']}", params={"fragment": "1"})
        assert (
            fragment.status_code == 404
            and "<html" not in fragment.text
            and "Ligne introuvable" in fragment.text
        )


def test_404_html_for_pages_json_for_api(settings, data):
    with client(settings) as api:
        page = api.get("/page-qui-n-existe-pas")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert "Page non trouvée" in page.text and '<html lang="fr"' in page.text
        for url in ("/api/v1/inexistant", "/api/v1/lignes/999999"):
            response = api.get(url)
            assert response.status_code == 404 and response.headers["content-type"] == "application/json"
            assert set(response.json()["erreur"]) == {"code", "message"}
        assert api.get("/api/v1/lignes/abc").json()["erreur"]["code"] == "parametre-invalide"
        assert api.get("/static/inexistant.js").status_code == 404
        assert api.post("/aide").status_code == 405  # other HTTP errors keep their status


def _wait_done(api, job_id: int) -> None:
    deadline = time.monotonic() + 30
    while api.get(f"/api/v1/exports/{job_id}").json()["statut"] not in (taches.TERMINEE, taches.ECHEC):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_mes_exports_lists_a_finished_job_and_deletes_it(settings, data):
    with client(settings) as api:
        empty = api.get("/exports").text
        assert "Vous n'avez aucun export" in empty and 'href="/"' in empty
        job = api.post("/api/v1/exports/lignes.csv", params={"annee": "2023"}).json()
        _wait_done(api, job["id"])
        page = api.get("/exports")
        html = page.text
        assert job["libelle"] in html and ">Terminé</p>" in html and "fr-badge--success" in html
        assert re.search(r"\d+,\d\u00a0Ko", html)
        assert f'href="/api/v1/exports/{job["id"]}/fichier"' in html
        assert 'hx-trigger="every 2s"' not in html  # nothing runs: no polling
        assert api.get(f"/api/v1/exports/{job['id']}/fichier").status_code == 200
        # Delete: refused without the form's token, done with it.
        refused = api.post(f"/exports/{job['id']}/supprimer", data={})
        assert refused.status_code == 403 and "Suppression refusée" in refused.text
        token = api.cookies.get(csrf.COOKIE)
        asked = api.post(f"/exports/{job['id']}/supprimer", data={csrf.FIELD: token})
        assert (
            asked.status_code == 200
            and f"Supprimer l&#39;export « {job['libelle']} » et son fichier ?" in asked.text
        )
        assert api.get(f"/api/v1/exports/{job['id']}").status_code == 200  # asked, not deleted
        done = api.post(f"/exports/{job['id']}/supprimer", data={csrf.FIELD: token, "confirme": "oui"})
        assert done.status_code == 200 and "L'export a été supprimé." in done.text
        assert api.get(f"/api/v1/exports/{job['id']}").status_code == 404


def test_mes_exports_polls_while_a_job_waits(settings, data):
    with client(settings, taches_dans_le_serveur=False) as api:
        job = api.post("/api/v1/exports/lignes.xlsx").json()
        fragment = api.get("/exports", params={"fragment": "1"}).text
        assert '<div id="mes-exports"' in fragment
        assert 'hx-trigger="every 2s"' in fragment and "<html" not in fragment
        assert ">En attente</p>" in fragment and "4 lignes à écrire" in fragment
        assert run_pending(data, settings.dossier_exports) == 1
        assert 'hx-trigger="every 2s"' not in api.get("/exports", params={"fragment": "1"}).text
        assert job["id"]


def test_aide_explains_the_glossary(settings, data):
    with client(settings) as api:
        html = api.get("/aide").text
    assert 'class="fr-summary' in html and 'aria-current="page"' in html
    for anchor in (
        "montants",
        "imputation",
        "beneficiaire",
        "zones",
        "regle-geographique",
        "sources",
        "tags",
    ):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    for term in ("AE — autorisation d'engagement", "CP — crédit de paiement", "DP — demande de paiement",
                 "Domaine fonctionnel", "Référentiel de programmation", "Centre de coûts", "CPER",
                 "SIRET", "Catégorie juridique", "EPCI", "QPV", "NATION", "cp-orphelin", "Copier le lien",
                 "Mes exports"):  # fmt: skip
        assert term in html, term
