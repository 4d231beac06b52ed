"""The Data Subvention connector (connectors/data_subvention.py) against a fake Data Subvention
served on loopback (tests/fakes/data_subvention.py): each answer of the service becomes a state —
subsidies, none known (404, empty list), not an association (422, with and without `code`), token
absent or refused (401), not public (451), unavailable (429 with Retry-After, 5xx, a timeout,
malformed JSON, an open circuit). No database."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from tests.fakes.data_subvention import (
    ASSOCIATION,
    INCONNU,
    PAS_ASSOCIATION,
    FakeDataSubvention,
    application,
    serveur_data_subvention,
)
from tests.fakes.serveur import Reponse

from dataetat.connectors import client
from dataetat.connectors.data_subvention import Etat, subventions
from dataetat.settings import Settings


@pytest.fixture
def fake() -> Iterator[FakeDataSubvention]:
    client.reinitialiser()  # limiters and breakers are per process: start each test afresh
    with serveur_data_subvention() as fake:
        fake.applications[ASSOCIATION] = [
            application(),
            application(
                idSubvention="osiris-2024-42", exerciceBudgetaire=2024, ej="N/A", statutLabel="En instruction",
                montantAccorde="N/A", montantDemande="12 500,50", dispositif="Politique de la ville",
                sousDispositif="N/A", nomServiceInstructeur="DDETS Ille-et-Vilaine",
            ),
        ]  # fmt: skip
        yield fake
    client.reinitialiser()


def reglages(fake: FakeDataSubvention, **changes) -> Settings:
    values = {
        "data_subvention_url": fake.url,
        "data_subvention_jeton": fake.jeton,
        "data_subvention_par_minute": 6000,
        "connecteurs_delai_s": 0.3,
        "connecteurs_essais": 1,
        "connecteurs_backoff_s": 0.01,
        "connecteurs_attente_max_s": 2,
        "connecteurs_disjoncteur_seuil": 50,
    }
    return Settings(**(values | changes))


def test_subsidies_typed_token_in_header_only(fake):
    found = subventions(reglages(fake), ASSOCIATION)
    assert found.etat == Etat.OK
    first, second = found.subventions
    assert (first.exercice, first.ej, first.statut, first.montant_demande, first.montant_accorde) == (
        2023,
        "1234567890",
        "Accordé",
        20000,
        15000,
    )
    assert (first.dispositif, first.sous_dispositif, first.service_instructeur) == (
        "FDVA - Fonctionnement et innovation",
        "Fonctionnement",
        "DRAJES Bretagne",
    )
    # "N/A" is absent; an amount given as French text is read.
    assert (second.ej, second.montant_accorde, second.montant_demande, second.sous_dispositif) == (
        None,
        None,
        12500.5,
        None,
    )
    (request,) = fake.requetes
    assert request.chemin == f"/etablissement/{ASSOCIATION}/applications"
    assert request.entetes["x-access-token"] == fake.jeton
    assert "token" not in request.query and fake.jeton not in request.chemin
    assert request.entetes["user-agent"].startswith("Data-Etat/")


def test_rna_and_siren_ask_the_association_route(fake):
    fake.applications["W353012345"] = [application()]
    assert subventions(reglages(fake), "W353012345").etat == Etat.OK
    assert fake.requetes[-1].chemin == "/association/W353012345/applications"
    with pytest.raises(ValueError, match="Identifiant d'association invalide"):
        subventions(reglages(fake), "../admin")
    assert len(fake.requetes) == 1


def test_none_known_and_not_an_association(fake):
    fake.applications["77774350100051"] = []
    fake.pas_associations_sans_code.add("54210780003950")
    settings = reglages(fake)
    assert subventions(settings, INCONNU).etat == Etat.AUCUNE  # 404 « Association introuvable »
    assert subventions(settings, "77774350100051").etat == Etat.AUCUNE  # an empty list
    refused = subventions(settings, PAS_ASSOCIATION)  # 422 {"code": 0}
    assert refused.etat == Etat.PAS_ASSOCIATION and "pas une association" in refused.message
    assert subventions(settings, "54210780003950").etat == Etat.PAS_ASSOCIATION  # 422 without code


def test_token_absent_refused(fake):
    absent = subventions(reglages(fake, data_subvention_jeton=None), ASSOCIATION)
    assert absent.etat == Etat.JETON_ABSENT and "DATAETAT_DATA_SUBVENTION_JETON" in absent.message
    assert fake.requetes == []  # nothing asked without a token
    refused = subventions(reglages(fake, data_subvention_jeton="mauvais-jeton"), ASSOCIATION)
    assert refused.etat == Etat.JETON_REFUSE and "401" in refused.message
    assert "mauvais-jeton" not in refused.message


def test_token_from_a_secret_file(fake, tmp_path):
    secret = tmp_path / "jeton"
    secret.write_text(fake.jeton + "\n", "utf-8")
    settings = reglages(fake, data_subvention_jeton=None, data_subvention_jeton_fichier=secret)
    assert subventions(settings, ASSOCIATION).etat == Etat.OK


def test_429_with_retry_after_is_honoured(fake):
    fake.file_attente[ASSOCIATION] = [
        Reponse(429, {"message": "Too many requests"}, entetes={"Retry-After": "1"})
    ]
    started = time.monotonic()
    assert subventions(reglages(fake), ASSOCIATION).etat == Etat.OK
    assert time.monotonic() - started >= 0.95
    first, second = fake.requetes
    assert second.quand - first.quand >= 0.95


def test_service_rate_limit_beyond_the_longest_wait_is_unavailable(fake):
    fake.limite_par_minute = 1  # the next call would wait ~60 s: more than connecteurs_attente_max_s
    settings = reglages(fake)
    assert subventions(settings, ASSOCIATION).etat == Etat.OK
    late = subventions(settings, ASSOCIATION)
    assert late.etat == Etat.INDISPONIBLE and "trop de requêtes" in late.message


@pytest.mark.parametrize(
    ("reponse", "etat", "mot"),
    [
        (Reponse(451, {"message": "Unavailable For Legal Reasons"}), Etat.NON_DIFFUSIBLE, "diffusible"),
        (Reponse(500, {"message": "Internal Server Error"}), Etat.INDISPONIBLE, "erreur 500"),
        (Reponse(503, corps=b"<html>Service Unavailable</html>"), Etat.INDISPONIBLE, "erreur 503"),
        (Reponse(200, corps=b'[{"idSubvention": "x",'), Etat.INDISPONIBLE, "JSON"),
        (Reponse(200, {"subventions": "pas une liste"}), Etat.INDISPONIBLE, "forme inattendue"),
        (Reponse(200, [application()], delai=1.0), Etat.INDISPONIBLE, "délai"),
    ],
    ids=["451", "500", "503-html", "json-malforme", "forme-inattendue", "delai-depasse"],
)
def test_failures_become_french_states(fake, reponse, etat, mot):
    fake.file_attente[ASSOCIATION] = [reponse, reponse]  # the first try and the retry
    found = subventions(reglages(fake), ASSOCIATION)
    assert found.etat == etat
    assert mot in found.message
    assert found.subventions == ()


def test_circuit_breaker_stops_calling_and_says_so(fake):
    fake.file_attente[ASSOCIATION] = [Reponse(502, {"message": "Bad Gateway"})] * 2
    settings = reglages(fake, connecteurs_disjoncteur_seuil=2, connecteurs_disjoncteur_pause_s=60)
    assert subventions(settings, ASSOCIATION).etat == Etat.INDISPONIBLE
    asked = len(fake.requetes)
    suspended = subventions(settings, ASSOCIATION)
    assert suspended.etat == Etat.INDISPONIBLE and "suspendus" in suspended.message
    assert len(fake.requetes) == asked  # not called while the circuit is open
