"""Look-ups of the search form (issue 3 item 4) through the API, on DuckDB and PostgreSQL, over the
bundled referentials; beneficiaries and tags come from `ligne`, scoped to the user's région."""

import pytest
from fastapi.testclient import TestClient

from dataetat.query.lookups import normalise
from dataetat.store.schema import SOURCE_AE, ligne, ref_referentiel_programmation
from dataetat.web.app import create_app

SIRET_RENNES, SIRET_BREST, SIRET_NANTES = "21350238800019", "77567227200015", "52345678900012"


@pytest.fixture
def data(engine):
    def line(id_, region, siret, name, tags=None):
        return {
            "id": id_,
            "source": SOURCE_AE,
            "source_region": region,
            "montant_ae": 1,
            "montant_cp": 0,
            "nombre_cp": 0,
            "beneficiaire_code": siret,
            "beneficiaire_denomination": name,
            "tags": tags,
        }

    with engine.begin() as conn:
        conn.execute(
            ligne.insert(),
            [
                line(1, "53", SIRET_RENNES, "COMMUNE DE RENNES", "cp-orphelin"),
                line(2, "53", SIRET_BREST, "ASSOCIATION ÉCOLE DE BREST", "fonds-vert:2023 cp-orphelin"),
                line(3, "52", SIRET_NANTES, "SAS NANTES ÉNERGIE", "relance"),
                line(4, "53", SIRET_RENNES, "COMMUNE DE RENNES"),
            ],
        )
        conn.execute(
            ref_referentiel_programmation.insert(),
            [
                {"code": "0103010101A1", "label": "Mutations économiques"},
                {"code": "0105020202B2", "label": "Action de la France en Europe"},
                {"code": "0119030303C3", "label": "Concours financiers aux collectivités"},
            ],
        )
    return engine


def get(settings, url, **params):
    with TestClient(create_app(settings)) as api:
        return api.get(url, params=params)


def codes(settings, url, **params):
    response = get(settings, url, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert all(set(item) == {"code", "label"} for item in body)
    return [item["code"] for item in body]


def test_zones_by_name_accent_free_and_by_code_prefix(settings, data):
    assert "35238" in codes(settings, "/api/v1/referentiels/zones/commune", q="rennes")
    assert codes(settings, "/api/v1/referentiels/zones/commune", q="35238") == ["35238"]
    assert codes(settings, "/api/v1/referentiels/zones/departement", q="35")[0] == "35"
    found = get(settings, "/api/v1/referentiels/zones/departement", q="35").json()[0]
    assert found == {"code": "35", "label": "35 - Ille-et-Vilaine"}
    # accents, case and hyphens do not matter
    assert "29" in codes(settings, "/api/v1/referentiels/zones/departement", q="FINISTERE")
    assert "35" in codes(settings, "/api/v1/referentiels/zones/departement", q="ille et vilaine")
    assert "53" in codes(settings, "/api/v1/referentiels/zones/region", q="bretagne")
    assert "243500139" in codes(settings, "/api/v1/referentiels/zones/epci", q="243500139")
    assert "353" in codes(settings, "/api/v1/referentiels/zones/arrondissement", q="353")
    # a postal code finds its communes (more in tests/integration/test_codes_postaux.py)
    assert codes(settings, "/api/v1/referentiels/zones/commune", q="35000") == ["35238"]


def test_programmes_and_their_activities(settings, data):
    assert codes(settings, "/api/v1/referentiels/programmes", q="103")[0] == "103"
    assert codes(settings, "/api/v1/referentiels/programmes", q="0103")[0] == "103"
    label = get(settings, "/api/v1/referentiels/programmes", q="103").json()[0]["label"]
    assert label.startswith("103 - Accompagnement des mutations")
    assert "103" in codes(settings, "/api/v1/referentiels/programmes", q="mutations economiques")
    url = "/api/v1/referentiels/referentiels-programmation"
    assert len(codes(settings, url)) == 5  # 2 bundled + 3 added
    assert codes(settings, url, code_programme="103,105") == ["0103010101A1", "0105020202B2"]
    assert codes(settings, url, code_programme="0119", q="concours") == ["0119030303C3"]
    assert codes(settings, url, code_programme="103", q="concours") == []


def test_domaines_and_centres_couts(settings, data):
    assert codes(settings, "/api/v1/referentiels/domaines-fonctionnels", q="0104-12")[:2] == [
        "0104-12-08",
        "0104-12-15",
    ]
    assert "0104-12-15" in codes(settings, "/api/v1/referentiels/domaines-fonctionnels", q="refugies")
    assert codes(settings, "/api/v1/referentiels/centres-couts", q="0000001000") == ["0000001000"]


def test_beneficiaires_are_region_scoped(settings, data):
    url = "/api/v1/referentiels/beneficiaires"
    assert codes(settings, url, q="ecole") == [SIRET_BREST]
    assert codes(settings, url, q="213502") == [SIRET_RENNES]
    assert set(codes(settings, url, q="sas")) == {SIRET_NANTES}
    assert get(settings, url, q="2135").json() == [
        {"code": SIRET_RENNES, "label": f"{SIRET_RENNES} - COMMUNE DE RENNES"}
    ]
    bretagne = settings.model_copy(update={"region_developpement": "53"})
    pays_de_la_loire = settings.model_copy(update={"region_developpement": "52"})
    assert codes(bretagne, url, q="sas") == []
    assert codes(pays_de_la_loire, url, q="sas") == [SIRET_NANTES]
    assert codes(pays_de_la_loire, url, q="commune") == []


@pytest.mark.parametrize("q", ["", "ab", "  a "])
def test_short_beneficiaire_search_is_a_french_400(settings, data, q):
    response = get(settings, "/api/v1/referentiels/beneficiaires", q=q)
    assert response.status_code == 400
    assert response.json()["erreur"]["code"] == "parametre-invalide"
    assert "au moins 3 caractères" in response.json()["erreur"]["message"]


def test_tags_limits_and_errors(settings, data):
    assert codes(settings, "/api/v1/referentiels/tags") == ["cp-orphelin", "fonds-vert:2023", "relance"]
    assert codes(settings.model_copy(update={"region_developpement": "52"}), "/api/v1/referentiels/tags") == [
        "relance"
    ]
    assert codes(settings, "/api/v1/referentiels/tags", q="fonds") == ["fonds-vert:2023"]
    assert len(codes(settings, "/api/v1/referentiels/zones/commune")) == 50
    assert len(codes(settings, "/api/v1/referentiels/zones/commune", limite=500)) == 500
    assert len(codes(settings, "/api/v1/referentiels/zones/commune", q="saint", limite=3)) == 3
    for url, params in [
        ("/api/v1/referentiels/zones/commune", {"limite": 501}),
        ("/api/v1/referentiels/zones/commune", {"limite": 0}),
        ("/api/v1/referentiels/zones/pays", {}),
        ("/api/v1/referentiels/referentiels-programmation", {"code_programme": "abc"}),
    ]:
        response = get(settings, url, **params)
        assert response.status_code == 400, (url, params)
        assert response.json()["erreur"]["code"] == "parametre-invalide"


def test_like_wildcards_are_literal(settings, data):
    assert codes(settings, "/api/v1/referentiels/zones/commune", q="%") == []
    assert codes(settings, "/api/v1/referentiels/zones/commune", q="_") == []


def test_normalise():
    assert normalise("  Île-d'Ÿvelines  ÉCOLE ") == "ile d yvelines ecole"
    assert normalise("") == ""


def test_chosen_beneficiaires_are_region_scoped(settings, data):
    """Issue 15 item 2: the search page names the beneficiaries of its URL only when the user may
    see one of their lines (as the look-up does); another région's SIRET keeps its bare code."""
    for region, shown, hidden in (
        ("53", "COMMUNE DE RENNES", "SAS NANTES"),
        ("52", "SAS NANTES", "COMMUNE DE RENNES"),
    ):
        scoped = settings.model_copy(update={"region_developpement": region})
        for url in ("/", "/qpv"):
            page = get(scoped, url, beneficiaires=f"{SIRET_RENNES},{SIRET_NANTES}")
            assert page.status_code == 200, page.text
            assert hidden not in page.text.upper(), (region, url)
            assert SIRET_RENNES in page.text and SIRET_NANTES in page.text
        assert shown in get(scoped, "/", beneficiaires=f"{SIRET_RENNES},{SIRET_NANTES}").text
