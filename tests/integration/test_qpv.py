"""Data QPV (issue 6): dashboard, map and page over the lines of a search that land in a QPV, on
DuckDB and PostgreSQL. Chorus files imported through the store; beneficiaries given QPVs through
ref_qpv + siret_qpv; an EJ split across two QPVs by its lieux d'action (qpv_lieu_action)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.query import lookups, qpv
from dataetat.query.params import QueryError, SearchParams
from dataetat.store import readmodel
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.schema import beneficiaire, ligne, qpv_lieu_action, ref_centre_couts, ref_qpv, siret_qpv
from dataetat.web.app import create_app

A = "85129663200017"  # association in QPV Maurepas (2024) / QP035001 (2015)
B = "83831012600027"  # entreprise, no QPV: its EJ 302 is split by lieu d'action
C = "33217263400047"  # no QPV, no lieu d'action: never on the QPV page
MAUREPAS = [[[-1.66, 48.12], [-1.65, 48.12], [-1.65, 48.13], [-1.66, 48.13], [-1.66, 48.12]]]


@pytest.fixture
def data(engine, tmp_path):
    """Région 53, 2023: EJ 300 (P147, A, 1,000 €, paid 250 €), EJ 301 (P103, A, 500 €), EJ 302 (P147,
    B, 2,000 €, lieux d'action Le Blosne 600 € and Maurepas 400 €), EJ 303 (P103, C, 70 €);
    région 52, 2023: EJ 400 (P147, A, 9 €)."""
    ae = write_ae(
        tmp_path / "ae53.csv",
        [
            ae_row("300", 1, "1000", programme="147", siret=A),
            ae_row("301", 1, "500", programme="103", siret=A),
            ae_row("302", 1, "2000", programme="147", siret=B),
            ae_row("303", 1, "70", programme="103", siret=C),
        ],
    )
    cp = write_cp(tmp_path / "cp53.csv", [cp_row("300", 1, "900", "250", siret=A)])
    assert import_chorus(engine, [ae, cp], ImportOptions(region="53")).written
    ae52 = write_ae(tmp_path / "ae52.csv", [ae_row("400", 1, "9", programme="147", siret=A)])
    assert import_chorus(engine, [ae52], ImportOptions(region="52")).written
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(),
            [
                {"siret": A, "denomination": "ASSOCIATION DU QUARTIER", "categorie_juridique": "9220"},
                {"siret": B, "denomination": "ENTREPRISE B", "categorie_juridique": "5710"},
                {"siret": C, "denomination": "PORTEUR C", "categorie_juridique": None},
            ],
        )
        conn.execute(ref_centre_couts.delete().where(ref_centre_couts.c.code == "DREETS0035"))
        conn.execute(ref_centre_couts.insert(), [{"code": "DREETS0035", "label": "DREETS Bretagne"}])
        conn.execute(
            ref_qpv.insert(),
            [
                qpv_row("QN03501M", "Maurepas", 2024, geometrie={"type": "Polygon", "coordinates": MAUREPAS}),
                qpv_row("QN03502M", "Le Blosne", 2024),
                qpv_row("QP035001", "Maurepas (2015)", 2015),
            ],
        )
        conn.execute(siret_qpv.insert(), [{"siret": A, "code_qpv15": "QP035001", "code_qpv24": "QN03501M"}])
        readmodel.rebuild_all(conn)
        conn.execute(
            qpv_lieu_action.insert(),
            [
                lieu("302", "QN03502M", 600, "Médiation au Blosne"),
                lieu("302", "QN03501M", 400, "Médiation à Maurepas"),
            ],
        )
        readmodel.refresh_ejs(conn, ["302"])
    return engine


def qpv_row(code, label, annee, geometrie=None):
    return {
        "code": code,
        "label": label,
        "annee_decoupage": annee,
        "code_commune": "35238",
        "communes": "35238",
        "code_departement": "35",
        "code_region": "53",
        "geometrie": json.dumps(geometrie) if geometrie else None,
        "longitude": -1.655 if geometrie else -1.66,
        "latitude": 48.125 if geometrie else 48.08,
    }


def lieu(n_ej, code, montant, libelle):
    return {
        "annee": 2023,
        "n_ej": n_ej,
        "code_qpv": code,
        "code_qpv24": code,
        "montant": montant,
        "libelle_action": libelle,
        "import_id": 1,
    }


def board(engine, perimetre="total", region=None, **kw):
    with engine.connect() as conn:
        return qpv.tableau_de_bord(conn, SearchParams(**kw), perimetre, region).as_dict()


def test_split_lines_count_their_part_not_the_whole_ae(data):
    with data.connect() as conn:
        rows = conn.execute(
            sa.select(ligne.c.partie, ligne.c.montant_ae, ligne.c.qpv_code)
            .where(ligne.c.n_ej == "302")
            .order_by(ligne.c.partie)
        ).all()
    assert [(p, float(m), q) for p, m, q in rows] == [
        (0, 1000.0, None),
        (1, 400.0, "QN03501M"),
        (2, 600.0, "QN03502M"),
    ]
    p147 = board(data, "p147", region="53")
    assert p147["total_financements"] == 2000.0  # 1,000 (EJ 300) + 400 + 600 (EJ 302's parts), not 3,000
    assert p147["total_actions"] == 2  # EJ 300 and EJ 302 (two parts, one action)
    assert p147["total_porteurs"] == 2


def test_perimeters_add_up(data):
    p147, commun, total = (board(data, p) for p in ("p147", "droit-commun", "total"))
    assert (p147["total_financements"], commun["total_financements"]) == (2009.0, 500.0)
    assert total["total_financements"] == p147["total_financements"] + commun["total_financements"]
    assert (p147["total_actions"], commun["total_actions"], total["total_actions"]) == (3, 1, 4)
    assert (p147["total_porteurs"], commun["total_porteurs"], total["total_porteurs"]) == (2, 1, 2)
    assert total["libelle"] == "Total des crédits" and p147["libelle"] == "Crédits P147"
    for key in ("themes", "types_porteurs", "financeurs", "annees"):
        for b in (p147, commun, total):
            assert sum(b[key]["values"]) == pytest.approx(b["total_financements"]), key
    assert dict(zip(total["themes"]["labels"], total["themes"]["values"], strict=True)) == {
        "Cohésion des territoires": 2009.0,
        "Travail et emploi": 500.0,
    }
    assert dict(zip(total["types_porteurs"]["labels"], total["types_porteurs"]["values"], strict=True)) == {
        "Association": 1509.0,
        "Entreprise": 1000.0,
    }
    assert total["financeurs"] == {"labels": ["DREETS Bretagne"], "values": [2509.0]}
    assert total["annees"] == {"labels": ["2023"], "values": [2509.0]}


def test_region_scope_and_filters(data):
    assert board(data, region="53")["total_financements"] == 2500.0
    assert board(data, region="52")["total_financements"] == 9.0
    # A QPV chosen as a zone: the lines of its beneficiaries or its lieux d'action.
    blosne = board(data, niveau_geo="qpv24", code_geo=["QN03502M"])
    assert (blosne["total_financements"], blosne["total_actions"]) == (600.0, 1)
    maurepas15 = board(data, niveau_geo="qpv", code_geo=["QP035001"])
    assert maurepas15["total_financements"] == 1509.0  # A's lines (beneficiary in the 2015 QPV)
    assert board(data, theme=["Travail et emploi"])["total_financements"] == 500.0
    autres = board(data, beneficiaire_categorieJuridique_type=["autres"])
    assert autres["total_financements"] == 0.0 and autres["themes"]["labels"] == []
    with pytest.raises(QueryError, match="perimetre"):
        board(data, "p148")


def test_map_geojson(settings, data):
    with TestClient(create_app(settings)) as api:
        response = api.get("/api/v1/qpv/carte")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["type"] == "FeatureCollection"
        features = {f["properties"]["code"]: f for f in body["features"]}
        assert set(features) == {"QN03501M", "QN03502M"}
        maurepas = features["QN03501M"]
        assert maurepas["geometry"] == {"type": "Polygon", "coordinates": MAUREPAS}
        assert maurepas["properties"]["label"] == "Maurepas"
        assert maurepas["properties"]["montant"] == 1909.0  # 1,000 + 500 + 400 + 9 (région 52)
        assert maurepas["properties"]["part"] == pytest.approx(1909 / 2509)
        assert (maurepas["properties"]["longitude"], maurepas["properties"]["latitude"]) == (-1.655, 48.125)
        assert (
            features["QN03502M"]["geometry"] is None and features["QN03502M"]["properties"]["montant"] == 600
        )
        assert [f["properties"]["code"] for f in body["features"]] == ["QN03501M", "QN03502M"]
        p147 = api.get("/api/v1/qpv/carte", params={"perimetre": "p147", "annee": "2023"}).json()
        assert sum(f["properties"]["montant"] for f in p147["features"]) == 2009.0

        dashboard = api.get("/api/v1/qpv/tableau-de-bord", params={"perimetre": "droit-commun"})
        assert dashboard.status_code == 200, dashboard.text
        assert dashboard.json()["total_financements"] == 500.0
        for params, word in [({"perimetre": "tout"}, "perimetre"), ({"inconnu": "1"}, "inconnu")]:
            refused = api.get("/api/v1/qpv/tableau-de-bord", params=params)
            assert refused.status_code == 400 and word in refused.json()["erreur"]["message"]


def test_map_region_scope(settings, data):
    scoped = settings.model_copy(update={"region_developpement": "52"})
    with TestClient(create_app(scoped)) as api:
        body = api.get("/api/v1/qpv/carte").json()
        assert [(f["properties"]["code"], f["properties"]["montant"]) for f in body["features"]] == [
            ("QN03501M", 9.0)
        ]
        assert api.get("/api/v1/qpv/tableau-de-bord").json()["total_financements"] == 9.0


def test_qpv_zone_lookups(data):
    with data.connect() as conn:
        assert lookups.zones(conn, "qpv24", "maurep") == [
            {"code": "QN03501M", "label": "QN03501M - Maurepas"}
        ]
        assert [z["code"] for z in lookups.zones(conn, "qpv24", "35")] == ["QN03501M", "QN03502M"]
        assert [z["code"] for z in lookups.zones(conn, "qpv24", "rennes")] == ["QN03501M", "QN03502M"]
        assert [z["code"] for z in lookups.zones(conn, "qpv", "")] == ["QP035001"]
        assert lookups.chosen(conn, "zones/qpv24", ["QN03502M"]) == [
            {"code": "QN03502M", "label": "QN03502M - Le Blosne"}
        ]


def test_page(settings, data):
    with TestClient(create_app(settings)) as client:
        page = client.get("/qpv")
        assert page.status_code == 200, page.text
        html = page.text
        for text in ("Crédits P147", "Crédits droit commun", "Total des crédits", "Maurepas", "Le Blosne"):
            assert text in html
        assert "2\u202f509,00\u202f€" in html and "2\u202f009,00\u202f€" in html
        assert "Médiation au Blosne" in html  # the objet of a lieu d'action part
        assert 'href="/?niveau_geo=qpv24&amp;code_geo=QN03501M' in html
        assert "<script>" not in html and " style=" not in html  # CSP: scripts and styles are files
        chosen = client.get("/qpv", params={"code_qpv": "QN03502M", "theme": "Cohésion des territoires"})
        assert chosen.status_code == 200
        assert "QN03502M - Le Blosne" in chosen.text and "600,00\u202f€" in chosen.text
        assert "2\u202f509,00\u202f€" not in chosen.text
        search = client.get("/", params={"niveau_geo": "qpv24", "code_geo": "QN03502M"})
        assert search.status_code == 200 and "QN03502M - Le Blosne" in search.text
        assert '<option value="qpv24" selected>QPV</option>' in search.text
