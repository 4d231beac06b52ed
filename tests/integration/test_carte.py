"""The map of a search (issue 4 item 5), on DuckDB and PostgreSQL: one zone per line (the
beneficiary's, else the localisation's), zones + sans_zone = the search total, same filters and
région scope as the search, French 400 on a bad level or value."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dataetat.query.carte import carte
from dataetat.query.params import QueryError, SearchParams
from dataetat.store.schema import SOURCE_AE, ligne
from dataetat.web.app import create_app

RENNES = {"commune": ("35238", "Rennes"), "epci": ("243500139", "Rennes Métropole")}
BREST = {"commune": ("29019", "Brest"), "epci": ("242900314", "Brest Métropole")}
NANTES = {"commune": ("44109", "Nantes"), "epci": ("244400404", "Nantes Métropole")}
PLACES = {
    "35": ("53", "Bretagne", "35", "Ille-et-Vilaine", RENNES),
    "29": ("53", "Bretagne", "29", "Finistère", BREST),
    "44": ("52", "Pays de la Loire", "44", "Loire-Atlantique", NANTES),
}


def geo(prefix: str, departement: str | None, *, region_only: str | None = None) -> dict:
    """The geo columns of a line for a place (a full place by département, or only a région)."""
    if region_only:
        return {f"{prefix}_region_code": region_only, f"{prefix}_region_label": "Bretagne"}
    if departement is None:
        return {}
    region, region_label, dep, dep_label, rest = PLACES[departement]
    row = {
        f"{prefix}_region_code": region,
        f"{prefix}_region_label": region_label,
        f"{prefix}_departement_code": dep,
        f"{prefix}_departement_label": dep_label,
    }
    for level, (code, label) in rest.items():
        row[f"{prefix}_{level}_code"], row[f"{prefix}_{level}_label"] = code, label
    return row


GEO_COLUMNS = [c.name for c in ligne.columns if c.name.startswith(("beneficiaire_", "localisation_"))]


def line(id_, ae, cp, *, region="53", programme="103", benef=None, loc=None, loc_region=None) -> dict:
    return dict.fromkeys(GEO_COLUMNS) | {
        "id": id_,
        "source": SOURCE_AE,
        "source_region": region,
        "annee": 2023,
        "programme_code": programme,
        "montant_ae": ae,
        "montant_cp": cp,
        "nombre_cp": 0,
        **geo("localisation", loc, region_only=loc_region),
        **geo("beneficiaire", benef),
    }


LINES = [
    line(1, 100, 10, benef="35"),  # beneficiary in Rennes
    line(2, 200, 20, benef="35", loc="29"),  # beneficiary wins over the localisation
    line(3, 300, 30, loc="29"),  # no beneficiary place: the localisation's
    line(4, 400, 40, loc_region="53"),  # région known only: no département, no commune
    line(5, 500, 0),  # no place at all
    line(6, 600, 60, programme="113", benef="29"),
    line(7, 7000, 700, region="52", benef="44"),  # another région's import
]


@pytest.fixture
def data(engine):
    with engine.begin() as conn:
        conn.execute(ligne.insert(), LINES)
    return engine


def run(engine, niveau, valeur="montant_ae", region=None, **kw):
    with engine.connect() as conn:
        return carte(conn, SearchParams(**kw), niveau, valeur, region).as_dict()


def by_code(result) -> dict[str, tuple[float, float, int]]:
    return {z["code"]: (z["montant_ae"], z["montant_cp"], z["count"]) for z in result["zones"]}


def test_one_zone_per_line_beneficiary_first(data):
    departements = run(data, "departement")
    assert by_code(departements) == {
        "35": (300.0, 30.0, 2),
        "29": (900.0, 90.0, 2),
        "44": (7000.0, 700.0, 1),
    }
    assert departements["sans_zone"] == {"count": 2, "montant_ae": 900.0, "montant_cp": 40.0}
    assert [z["code"] for z in departements["zones"]] == ["44", "29", "35"]  # by decreasing AE
    assert {z["code"]: z["label"] for z in departements["zones"]}["29"] == "Finistère"
    regions = run(data, "region")
    assert by_code(regions) == {"53": (1600.0, 160.0, 5), "52": (7000.0, 700.0, 1)}
    assert regions["sans_zone"]["count"] == 1
    epci = run(data, "epci", valeur="montant_cp")
    assert by_code(epci)["242900314"] == (900.0, 90.0, 2)
    assert by_code(run(data, "commune"))["35238"] == (300.0, 30.0, 2)


@pytest.mark.parametrize(
    "filters", [{}, {"code_programme": "113"}, {"niveau_geo": "departement", "code_geo": "29"}]
)
def test_zones_and_sans_zone_add_up_to_the_search_total(settings, data, filters):
    with TestClient(create_app(settings)) as api:
        search = api.get("/api/v1/lignes", params=filters | {"page_size": 1}).json()["total"]
        for niveau in ("region", "departement", "epci", "commune"):
            response = api.get("/api/v1/carte", params=filters | {"niveau": niveau})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["niveau"] == niveau and body["valeur"] == "montant_ae"
            assert body["total"]["count"] == search["count"]
            assert body["total"]["montant_ae"] == pytest.approx(search["montant_ae"])
            assert body["total"]["montant_cp"] == pytest.approx(search["montant_cp"])
            for key in ("count", "montant_ae", "montant_cp"):
                summed = sum(z[key] for z in body["zones"]) + body["sans_zone"][key]
                assert summed == pytest.approx(body["total"][key])


def test_region_scope(settings, data):
    scoped = settings.model_copy(update={"region_developpement": "53"})
    with TestClient(create_app(scoped)) as api:
        body = api.get("/api/v1/carte", params={"niveau": "region"}).json()
    assert by_code(body) == {"53": (1600.0, 160.0, 5)}
    assert body["total"]["count"] == 6
    assert run(data, "departement", region="52")["total"]["count"] == 1


def test_filter_on_a_zone_keeps_its_lines(data):
    """A zone's lines on the map all match the filter on that zone (the filter is wider)."""
    shown = by_code(run(data, "departement"))["29"]
    filtered = run(data, "departement", niveau_geo="departement", code_geo=["29"])
    assert filtered["total"]["count"] >= shown[2]
    assert by_code(filtered)["29"] == shown


def test_bad_parameters_are_french_400(settings, data):
    with TestClient(create_app(settings)) as api:
        for params, word in [
            ({"niveau": "canton"}, "niveau"),
            ({"niveau": "region", "valeur": "count"}, "valeur"),
            ({"niveau": "region", "inconnu": "1"}, "inconnu"),
            ({"niveau_geo": "departement"}, "code_geo"),
        ]:
            response = api.get("/api/v1/carte", params=params)
            assert response.status_code == 400, params
            error = response.json()["erreur"]
            assert error["code"] == "parametre-invalide"
            assert word in error["message"], error


def test_bad_level_in_the_query_layer(data):
    with pytest.raises(QueryError, match="valeurs possibles region, departement, epci, commune"):
        run(data, "arrondissement")
