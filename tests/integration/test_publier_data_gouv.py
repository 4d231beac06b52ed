"""`dataetat publier data-gouv` against a loopback server answering as data.gouv.fr's API (udata):
resources created then replaced, schema declared, X-API-KEY on every call and never printed, the
uploaded CSV is the open aggregates' (secrecy applied); a refused key (401), an unknown dataset
(404), 5xx retried, a lost answer of an upload not doubled. Both databases."""

from __future__ import annotations

import pytest
from tests.conftest import imported_database
from tests.fakes.data_gouv import CLE, FauxDataGouv
from tests.ouvert_donnees import fill
from typer.testing import CliRunner

from dataetat.cli import app

runner = CliRunner()
JEU = "agregats-data-etat"


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def base_url(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"publier-{request.param}")
    with imported_database(request.param, tmp, lambda e, _: fill(e)) as engine:
        yield engine.url.render_as_string(hide_password=False)


@pytest.fixture
def faux():
    with FauxDataGouv([JEU]) as server:
        yield server


def publier(base_url: str, faux: FauxDataGouv, *args: str, cle: str = CLE):
    env = {
        "DATAETAT_DATABASE_URL": base_url,
        "DATAETAT_DATA_GOUV_URL": faux.url,
        "DATAETAT_DATA_GOUV_CLE_API": cle,
        "DATAETAT_URL_PUBLIQUE": "https://data-etat.example.fr",
        "DATAETAT_CONNECTEURS_BACKOFF_S": "0.01",
        "DATAETAT_CONNECTEURS_ESSAIS": "2",
        "DATAETAT_DATA_GOUV_DELAI_S": "5",
    }
    return runner.invoke(app, ["publier", "data-gouv", "--jeu", JEU, *args], env=env, catch_exceptions=False)


def test_publish_then_replace(base_url, faux):
    first = publier(base_url, faux)
    assert first.exit_code == 0, first.output
    resources = faux.datasets[JEU]["resources"]
    assert [r["title"] for r in resources] == ["agregats-ouverts.csv", "agregats-ouverts.parquet"]
    for r in resources:
        assert r["schema"] == {"url": "https://data-etat.example.fr/schemas/agregats-ouverts.json"}
        assert "Secret statistique" in r["description"]
    csv = faux.fichiers[resources[0]["id"]].decode()
    assert csv.startswith("jeu,source,region_source,niveau,code_zone")
    assert "777777.77" not in csv and "9999.77" not in csv
    # The same cells as the pages (secondary rule included): Rennes' 103 is in its « autres ».
    assert "chorus-region-53,chorus-region,53,commune,35238,Rennes,2023,autres," in csv
    assert "chorus-region-53,chorus-region,53,departement,35,Ille-et-Vilaine,2023,103,Programme 103," in csv
    assert "chorus-region-53,chorus-region,53,commune,35238,Rennes,2023,103," not in csv
    assert faux.fichiers[resources[1]["id"]][:4] == b"PAR1"
    assert all(key == CLE for _, _, key in faux.requetes)
    assert CLE not in first.output and "créée" in first.output
    again = publier(base_url, faux)
    assert again.exit_code == 0 and again.output.count("remplacée") == 2
    assert len(faux.datasets[JEU]["resources"]) == 2
    assert ("POST", f"/api/1/datasets/{JEU}/resources/{resources[0]['id']}/upload/", CLE) in faux.requetes


def test_one_jeu_of_the_catalogue(base_url, faux):
    answer = publier(base_url, faux, "--catalogue", "ademe-53")
    assert answer.exit_code == 0, answer.output
    resource = faux.datasets[JEU]["resources"][0]
    assert resource["title"] == "agregats-ouverts-ademe-53.csv"
    lines = faux.fichiers[resource["id"]].decode().splitlines()[1:]
    assert lines and all(line.startswith("ademe-53,ademe,53,") for line in lines)
    assert publier(base_url, faux, "--catalogue", "rien").exit_code == 2


def test_refused_key_is_a_french_error_and_nothing_is_created(base_url, faux):
    answer = publier(base_url, faux, cle="mauvaise-cle")
    assert (
        answer.exit_code == 1 and "refuse le jeton" in answer.output and "mauvaise-cle" not in answer.output
    )
    assert faux.datasets[JEU]["resources"] == []


def test_unknown_dataset(base_url, faux):
    faux.datasets.clear()
    answer = publier(base_url, faux)
    assert answer.exit_code == 1 and "Inconnu du service data.gouv.fr" in answer.output


def test_server_errors_are_retried(base_url, faux):
    faux.pannes = [503, 500]  # the first GET of the dataset, then its retry
    answer = publier(base_url, faux)
    assert answer.exit_code == 0, answer.output
    assert len(faux.datasets[JEU]["resources"]) == 2


def test_a_lost_upload_answer_does_not_create_two_resources(base_url, faux):
    faux.perdre_reponse = True
    answer = publier(base_url, faux)
    assert answer.exit_code == 0, answer.output
    assert [r["title"] for r in faux.datasets[JEU]["resources"]] == [
        "agregats-ouverts.csv",
        "agregats-ouverts.parquet",
    ]


def test_lasting_outage_is_a_french_error(base_url, faux):
    faux.pannes = [503] * 10
    answer = publier(base_url, faux)
    assert answer.exit_code == 1 and "indisponible (erreur 503)" in answer.output


def test_missing_key(base_url, faux):
    answer = publier(base_url, faux, cle="")
    assert answer.exit_code == 2 and "Clé d'API data.gouv.fr absente" in answer.output
