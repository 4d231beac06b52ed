"""Look-ups offer the codes present in the lines too (issue 11.7): the bundled referentials are
samples, so a code of the data they lack is offered with « libellé inconnu », scoped to the user's
région like every look-up; on DuckDB and PostgreSQL, through the API."""

import pytest
from fastapi.testclient import TestClient

from dataetat.store.schema import SOURCE_AE, ligne
from dataetat.web.app import create_app


@pytest.fixture
def data(engine):
    def line(id_, region, **codes):
        empty = dict.fromkeys(
            (
                "domaine_fonctionnel_code",
                "referentiel_programmation_code",
                "centre_couts_code",
                "programme_code",
            )
        )
        fixed = {"id": id_, "source": SOURCE_AE, "source_region": region, "montant_ae": 1}
        return fixed | {"montant_cp": 0, "nombre_cp": 0} | empty | codes

    with engine.begin() as conn:
        conn.execute(
            ligne.insert(),
            [
                line(
                    1,
                    "53",
                    domaine_fonctionnel_code="0177-01",
                    referentiel_programmation_code="017701010101",
                    centre_couts_code="ZZTEST0035",
                    programme_code="177",
                ),
                line(
                    2,
                    "52",
                    domaine_fonctionnel_code="0177-02",
                    referentiel_programmation_code="017702020202",
                    centre_couts_code="ZZTEST0044",
                    programme_code="177",
                ),
                line(3, "53", domaine_fonctionnel_code="0104-12-08"),  # in the bundled referential
            ],
        )
    return engine


def items(settings, url, **params):
    with TestClient(create_app(settings)) as api:
        response = api.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_codes_of_the_data_are_offered_with_an_unknown_label(settings, data):
    url = "/api/v1/referentiels/domaines-fonctionnels"
    assert items(settings, url, q="0177") == [
        {"code": "0177-01", "label": "0177-01 - libellé inconnu"},
        {"code": "0177-02", "label": "0177-02 - libellé inconnu"},
    ]
    # A code of the referential keeps its label and is not offered twice.
    found = items(settings, url, q="0104-12-08")
    assert [i["code"] for i in found] == ["0104-12-08"] and "inconnu" not in found[0]["label"]
    url = "/api/v1/referentiels/referentiels-programmation"
    assert [i["code"] for i in items(settings, url, q="0177", code_programme="177")] == [
        "017701010101",
        "017702020202",
    ]
    assert items(settings, url, q="0177", code_programme="103") == []
    assert [i["code"] for i in items(settings, "/api/v1/referentiels/centres-couts", q="ZZTEST")] == [
        "ZZTEST0035",
        "ZZTEST0044",
    ]


def test_codes_of_the_data_are_scoped_to_the_region(settings, data):
    bretagne = settings.model_copy(update={"region_developpement": "53"})
    assert [i["code"] for i in items(bretagne, "/api/v1/referentiels/domaines-fonctionnels", q="0177")] == [
        "0177-01"
    ]
    assert [i["code"] for i in items(bretagne, "/api/v1/referentiels/centres-couts", q="ZZTEST")] == [
        "ZZTEST0035"
    ]
    url = "/api/v1/referentiels/referentiels-programmation"
    assert [i["code"] for i in items(bretagne, url, q="0177")] == ["017701010101"]


def test_limit_counts_both(settings, data):
    url = "/api/v1/referentiels/domaines-fonctionnels"
    assert len(items(settings, url, q="0", limite=2)) == 2
