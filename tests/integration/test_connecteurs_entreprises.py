"""Recherche d'entreprises and API Entreprise connectors against their local fakes (tests/fakes):
fields kept, unknown SIRET, 400/422, 429 + Retry-After, 451, 5xx, malformed JSON, wrong token."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import SecretStr
from tests.fakes.entreprises import Etablissement, FauxEntreprises
from tests.fakes.serveur import Reponse

from dataetat.connectors import errors, services
from dataetat.connectors.client import Client, Reglages, reinitialiser
from dataetat.connectors.entreprises import api_entreprise_etablissement, recherche_etablissement
from dataetat.settings import Settings

RAPIDE = Reglages(
    delai=0.5, essais=1, backoff=0.01, attente_max=1.0, seuil_disjoncteur=50, pause_disjoncteur=0.2
)
ATLAS = "85129663200017"
CACHE = "84442098400016"
INCONNU = "41867744900054"


@pytest.fixture(autouse=True)
def _fresh_registries():
    reinitialiser()
    yield
    reinitialiser()


@pytest.fixture
def faux():
    return FauxEntreprises(
        {
            ATLAS: Etablissement(
                nom="ATLAS SOUTENIR LES COMPETENCES", commune="35238", naf="85.59A", nature_juridique="9220",
                latitude=48.11, longitude=-1.68, enseigne="ATLAS", adresse="2 RUE DE PARIS 35000 RENNES",
                etat="F", date_fermeture="2024-06-30",
            ),
            CACHE: Etablissement(nom="CACHÉ", commune="35238", non_diffusible=True),
        }
    )  # fmt: skip


def _settings(**kw) -> Settings:
    return Settings(database_url="duckdb:///:memory:", **kw)


def test_recherche_entreprises_keeps_the_fields(faux):
    with (
        faux.recherche() as serveur,
        Client(
            services.recherche_entreprises(_settings(recherche_entreprises_url=serveur.url)), RAPIDE
        ) as client,
    ):
        fiche = recherche_etablissement(client, ATLAS)
        assert recherche_etablissement(client, INCONNU) is None
        assert recherche_etablissement(client, CACHE) is None  # not exposed by the open service
    assert fiche.model_dump() == {
        "siret": ATLAS, "siren": ATLAS[:9], "denomination": "ATLAS SOUTENIR LES COMPETENCES", "enseigne": "ATLAS",
        "categorie_juridique": "9220", "categorie_juridique_libelle": None, "naf": "85.59A",
        "tranche_effectif": "11", "siege": True, "adresse": "2 RUE DE PARIS 35000 RENNES", "code_commune": "35238", "latitude": 48.11, "longitude": -1.68,
        "etat_administratif": "F", "date_fermeture": date(2024, 6, 30), "non_diffusible": False,
        "source": "recherche-entreprises",
    }  # fmt: skip
    assert serveur.requetes[0].query["q"] == ATLAS
    assert serveur.requetes[0].entetes["user-agent"].startswith("Data-Etat/")


def test_recherche_entreprises_failures(faux):
    faux.forcer[ATLAS] = Reponse(corps=b"<html>erreur</html>")
    faux.forcer[INCONNU] = Reponse(502, {"erreur": "Bad gateway"})
    with (
        faux.recherche() as serveur,
        Client(
            services.recherche_entreprises(_settings(recherche_entreprises_url=serveur.url)), RAPIDE
        ) as client,
    ):
        with pytest.raises(errors.ReponseInvalide):
            recherche_etablissement(client, ATLAS)
        with pytest.raises(errors.ServiceIndisponible, match="indisponible .erreur 502"):
            recherche_etablissement(client, INCONNU)
        with pytest.raises(errors.RequeteRefusee, match="au moins un paramètre"):
            recherche_etablissement(client, "1")


def test_recherche_entreprises_429_then_answer(faux):
    with faux.recherche() as serveur:
        faux.limite = (1, 0.3)  # one request per 0.3 s: the second is refused with Retry-After: 1
        settings = _settings(recherche_entreprises_url=serveur.url, recherche_entreprises_par_seconde=1000)
        with Client(services.recherche_entreprises(settings), Reglages(essais=2, attente_max=2)) as client:
            assert recherche_etablissement(client, ATLAS) is not None
            assert recherche_etablissement(client, ATLAS) is not None  # waited Retry-After, then answered
    assert faux.refus_429 == 1
    assert serveur.requetes[2].quand - serveur.requetes[1].quand >= 0.99


def _ae(url: str, jeton: str = "bon-jeton", **kw) -> Settings:
    defaults = {"api_entreprise_destinataire": "13002526500013"}
    return _settings(api_entreprise_url=url, api_entreprise_jeton=SecretStr(jeton), **(defaults | kw))


def test_api_entreprise_fields_404_451(faux):
    with (
        faux.api_entreprise(jeton="bon-jeton") as serveur,
        Client(services.api_entreprise(_ae(serveur.url)), RAPIDE) as client,
    ):
        fiche = api_entreprise_etablissement(client, ATLAS)
        assert api_entreprise_etablissement(client, INCONNU) is None
        cache = api_entreprise_etablissement(client, CACHE)
    assert (fiche.denomination, fiche.categorie_juridique, fiche.naf, fiche.code_commune, fiche.source) == (
        "ATLAS SOUTENIR LES COMPETENCES", "9220", "85.59A", "35238", "api-entreprise",
    )  # fmt: skip
    assert fiche.latitude is None and fiche.adresse == "2 RUE DE PARIS 35000 RENNES FRANCE"
    assert fiche.categorie_juridique_libelle == "Association déclarée"  # forme_juridique.libelle, as given
    assert cache.non_diffusible and cache.denomination is None
    first = serveur.requetes[0]
    assert first.entetes["authorization"] == "Bearer bon-jeton"
    assert first.query == {
        "context": "aides publiques", "recipient": "13002526500013", "object": "Data-Etat enrichissement des beneficiaires",
    }  # fmt: skip


def test_api_entreprise_wrong_token_missing_recipient_bad_siret(faux):
    with faux.api_entreprise(jeton="bon-jeton") as serveur:
        with Client(services.api_entreprise(_ae(serveur.url, "mauvais")), RAPIDE) as client:
            with pytest.raises(errors.JetonRefuse, match="erreur 401.*token n'est pas valide"):
                api_entreprise_etablissement(client, ATLAS)
        with Client(
            services.api_entreprise(_ae(serveur.url, api_entreprise_destinataire="")), RAPIDE
        ) as client:
            with pytest.raises(errors.RequeteRefusee, match="erreur 422"):
                api_entreprise_etablissement(client, ATLAS)
        with Client(services.api_entreprise(_ae(serveur.url)), RAPIDE) as client:
            with pytest.raises(errors.RequeteRefusee, match="siret n'est pas correct"):
                api_entreprise_etablissement(client, "123")


def test_api_entreprise_not_configured_without_a_token(tmp_path):
    assert services.api_entreprise(_settings()) is None
    secret = tmp_path / "jeton"
    secret.write_text("du-fichier\n")
    assert services.api_entreprise(_settings(api_entreprise_jeton_fichier=secret)).jeton == "du-fichier"
