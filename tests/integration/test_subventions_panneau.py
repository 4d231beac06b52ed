"""The « Subventions (Data Subvention) » panels through the app, on DuckDB and PostgreSQL, with a
fake Data Subvention on loopback: subsidies by exercice with totals, links to the visible Chorus
line of their EJ (région scope), the cache and its time to live, the last answer kept when the
service fails, the French states, and the subsidy on the line's detail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import import_two_regions
from tests.fakes.data_subvention import (
    PAS_ASSOCIATION,
    FakeDataSubvention,
    application,
    serveur_data_subvention,
)
from tests.fakes.serveur import Reponse

from dataetat.connectors import client
from dataetat.query.subventions import panneau
from dataetat.settings import Settings
from dataetat.store import readmodel
from dataetat.store.schema import beneficiaire, ligne
from dataetat.store.subventions import subvention_cache
from dataetat.web.app import create_app

SIRET = "85129663200017"  # the factories' beneficiary: EJ 100, 101 (région 53), EJ 200 (52)
ENTREPRISE = "55203253400646"  # catégorie juridique 5710, no line (national users see it by SIRENE)
INCONNUE = PAS_ASSOCIATION  # no catégorie juridique: the service is asked, answers 422


@pytest.fixture
def fake() -> Iterator[FakeDataSubvention]:
    client.reinitialiser()
    with serveur_data_subvention() as fake:
        fake.applications[SIRET] = [
            application(ej="100", exerciceBudgetaire=2023, montantDemande=20000, montantAccorde=15000),
            application(ej="200", exerciceBudgetaire=2022, montantDemande=5000, montantAccorde=4000,
                        dispositif="Emploi associatif (FONJEP)", nomServiceInstructeur="DDETS Loire-Atlantique"),
            application(ej="N/A", exerciceBudgetaire=2023, montantDemande=3000, montantAccorde="N/A",
                        statutLabel="En instruction", dispositif="Politique de la ville"),
        ]  # fmt: skip
        yield fake
    client.reinitialiser()


@pytest.fixture
def data(engine, tmp_path):
    import_two_regions(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(),
            [
                {"siret": SIRET, "denomination": "ATLAS FORMATION", "categorie_juridique": "9220",
                 "code_commune": "35238", "updated_at": datetime(2024, 1, 1)},
                {"siret": ENTREPRISE, "denomination": "SOCIETE ANONYME", "categorie_juridique": "5710",
                 "code_commune": "35238", "updated_at": datetime(2024, 1, 1)},
                {"siret": INCONNUE, "denomination": "INCONNUE", "categorie_juridique": None,
                 "code_commune": "35238", "updated_at": datetime(2024, 1, 1)},
            ],
        )  # fmt: skip
        readmodel.rebuild_all(conn)
    return engine


def app_client(settings, fake, **changes) -> TestClient:
    values = {
        "data_subvention_url": fake.url,
        "data_subvention_jeton": fake.jeton,
        "data_subvention_par_minute": 6000,
        "connecteurs_delai_s": 0.5,
        "connecteurs_essais": 1,
        "connecteurs_backoff_s": 0.01,
    }
    return TestClient(create_app(Settings(**(settings.model_dump() | values | changes))))


def line_id(engine, n_ej: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.min(ligne.c.id)).where(ligne.c.n_ej == n_ej)).scalar_one()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")


def test_panel_by_exercice_with_totals_links_and_cache(settings, data, fake):
    with app_client(settings, fake) as http:
        page = http.get(f"/beneficiaires/{SIRET}")
        assert page.status_code == 200
        assert f'hx-get="/beneficiaires/{SIRET}/subventions"' in page.text
        assert fake.requetes == []  # the page itself never waits for the service

        panel = http.get(f"/beneficiaires/{SIRET}/subventions")
        assert panel.status_code == 200
        shown = text(panel.text)
        assert "Subventions (Data Subvention)" in shown
        assert 'data-etat="ok"' in panel.text
        assert "Total de tous les exercices 28 000,00 € 19 000,00 €" in shown
        assert "Total 2023 23 000,00 € 15 000,00 €" in shown and "Total 2022 5 000,00 € 4 000,00 €" in shown
        assert panel.text.index('data-exercice="2023"') < panel.text.index('data-exercice="2022"')
        assert "Emploi associatif (FONJEP)" in shown and "DDETS Loire-Atlantique" in shown
        assert "En instruction" in shown
        # EJ 100 (région 53) and 200 (région 52) are visible lines of a national user.
        assert f'href="/lignes/{line_id(data, "100")}"' in panel.text
        assert f'href="/lignes/{line_id(data, "200")}"' in panel.text

        assert http.get(f"/beneficiaires/{SIRET}/subventions").status_code == 200
        assert fake.appels(SIRET) == 1  # the second time from the cache

        # The same as JSON (the reference's info-subvention), from the same cache.
        body = http.get(f"/api/v1/beneficiaires/{SIRET}/subventions").json()
        assert fake.appels(SIRET) == 1
        assert (body["etat"], body["nombre"], body["total_demande"], body["total_accorde"]) == (
            "ok",
            3,
            28000,
            19000,
        )
        assert [e["exercice"] for e in body["exercices"]] == [2023, 2022]
        by_ej = {s["ej"]: s for e in body["exercices"] for s in e["subventions"]}
        assert by_ej["100"]["ligne_id"] == line_id(data, "100") and by_ej[None]["ligne_id"] is None
        assert by_ej["200"]["dispositif"] == "Emploi associatif (FONJEP)"

    with data.connect() as conn:
        (stored,) = conn.execute(sa.select(subvention_cache)).mappings().all()
    assert stored["identifiant"] == SIRET and stored["etat"] == "ok"
    assert fake.jeton not in stored["donnees"] and "x-access-token" not in stored["donnees"]

    # A regional user of 53: EJ 200 is région 52's, shown without a link.
    with app_client(settings, fake, region_developpement="53") as http:
        panel = http.get(f"/beneficiaires/{SIRET}/subventions").text
        assert f'href="/lignes/{line_id(data, "100")}"' in panel
        assert f'href="/lignes/{line_id(data, "200")}"' not in panel and ">200<" in panel

    # Past its time to live the answer is asked again; when the service then fails, the last
    # answer is still shown, dated, and the cache keeps it.
    old = datetime.now() - timedelta(hours=25)
    with data.begin() as conn:
        conn.execute(subvention_cache.update().values(recupere_le=old))
    fake.file_attente[SIRET] = [Reponse(500, {"message": "Internal Server Error"})] * 2
    with app_client(settings, fake) as http:
        panel = http.get(f"/beneficiaires/{SIRET}/subventions").text
        assert "Service indisponible" in panel and "data-perime" in panel
        assert "19 000,00" in text(panel)
        assert fake.appels(SIRET) == 3
        fresh = http.get(f"/beneficiaires/{SIRET}/subventions").text  # the service is back
        assert "data-perime" not in fresh and fake.appels(SIRET) == 4
    with data.connect() as conn:
        assert conn.execute(sa.select(subvention_cache.c.recupere_le)).scalar_one() > old


def test_french_states(settings, data, fake):
    with app_client(settings, fake, data_subvention_jeton=None) as http:
        panel = http.get(f"/beneficiaires/{SIRET}/subventions")
        assert panel.status_code == 200 and "Jeton non configuré" in panel.text
        body = http.get(f"/api/v1/beneficiaires/{SIRET}/subventions").json()
        assert body["etat"] == "jeton-absent" and "Jeton non configuré" in body["message"]
        missing = http.get("/api/v1/beneficiaires/12345678901234/subventions")
        assert missing.status_code == 404 and missing.json()["erreur"]["code"] == "beneficiaire-introuvable"
    with app_client(settings, fake) as http:
        # A known catégorie juridique that is not 92xx: no panel, no call.
        assert "hx-get" not in http.get(f"/beneficiaires/{ENTREPRISE}").text.split("lignes-titre")[0]
        assert "Pas une association" in http.get(f"/beneficiaires/{ENTREPRISE}/subventions").text
        # Unknown catégorie: the service is asked and says 422 « pas une association » (cached).
        assert "Pas une association" in http.get(f"/beneficiaires/{INCONNUE}/subventions").text
        assert "Pas une association" in http.get(f"/beneficiaires/{INCONNUE}/subventions").text
        assert fake.appels(INCONNUE) == 1
        assert fake.appels(ENTREPRISE) == 0
        # None known (404 « Association introuvable »).
        del fake.applications[SIRET]
        assert "Aucune subvention connue" in http.get(f"/beneficiaires/{SIRET}/subventions").text
        # A SIRET nobody may see: 404, nothing asked.
        assert http.get("/beneficiaires/12345678901234/subventions").status_code == 404
        assert fake.appels("12345678901234") == 0
    with data.begin() as conn:
        conn.execute(subvention_cache.delete())
    fake.file_attente[SIRET] = [Reponse(503, corps=b"<html>503</html>")] * 2
    with app_client(settings, fake) as http:
        panel = http.get(f"/beneficiaires/{SIRET}/subventions")
        assert panel.status_code == 200 and "Service indisponible" in panel.text
        assert "Détail : Le service Data Subvention est indisponible (erreur 503)" in panel.text
    with data.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(subvention_cache)).scalar_one() == 0


def test_line_detail_shows_its_subsidy(settings, data, fake):
    ej100, ej101 = line_id(data, "100"), line_id(data, "101")
    with app_client(settings, fake) as http:
        detail = http.get(f"/lignes/{ej100}?fragment=1").text
        assert f'hx-get="/lignes/{ej100}/subventions"' in detail
        shown = text(http.get(f"/lignes/{ej100}/subventions").text)
        assert "Subvention associative (Data Subvention)" in shown
        assert "N° EJ 100" in shown and "FDVA - Fonctionnement et innovation" in shown
        assert "Montant accordé 15 000,00 €" in shown and "Emploi associatif" not in shown
        other = text(http.get(f"/lignes/{ej101}/subventions").text)
        assert "aucune sur l'engagement n° 101" in other
        assert fake.appels(SIRET) == 1  # the beneficiary's cached answer serves every line
    with app_client(settings, fake, region_developpement="52") as http:
        assert http.get(f"/lignes/{ej100}/subventions").status_code == 404  # région 53's line


def test_one_fetch_at_a_time_per_siret(settings, engine, fake):
    """Two pages asking the same SIRET at once: one call to the service, both panels shown."""
    fake.file_attente[SIRET] = [Reponse(200, fake.applications[SIRET], delai=0.3)]
    configured = Settings(
        **(settings.model_dump() | {"data_subvention_url": fake.url, "data_subvention_jeton": fake.jeton})
    )
    who = {"siret": SIRET, "categorie_juridique": "9220"}
    with ThreadPoolExecutor(2) as pool:
        panels = list(pool.map(lambda _: panneau(engine, configured, who, None), range(2)))
    assert [p.etat for p in panels] == ["ok", "ok"] and [p.nombre for p in panels] == [3, 3]
    assert fake.appels(SIRET) == 1
