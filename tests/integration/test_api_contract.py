"""HTTP contract of GET /api/v1/lignes (DESIGN.md "Query contract", reference back §4.2): every
parameter is applied (expected lines computed from the dataset below, totals equal to the sum of the
lines) or refused with a French 400 in the one error shape; on DuckDB and on PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import TEST_SECRET, imported_database
from tests.factories import ae_row, aife_ae_row, cp_row, write_ae, write_aife_ae, write_cp

from dataetat.query.columns import COLONNES
from dataetat.settings import Settings
from dataetat.store.beneficiaires import import_sirene
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web.app import create_app

# Beneficiaries: A Rennes (Collectivité), B Brest (Association), D Nantes (Entreprise); C and the
# factories' default SIRET are absent from SIRENE (type NULL, "autres").
SIRET_A, SIRET_B, SIRET_C, SIRET_D = "21350238800019", "77567227200015", "40123456700011", "52345678900012"
SIRENE = [  # siret, commune, catégorie juridique, dénomination
    (SIRET_A, "35238", "7210", "COMMUNE DE RENNES"),
    (SIRET_B, "29019", "9220", "ASSOCIATION BREST"),
    (SIRET_D, "44109", "5710", "SAS NANTES"),
]
DDTM29, DDTM44, RP_1003 = "DDTT029029", "DDTT044044", "011901000001"  # centres in 29 and 44
ECOLOGIE = "Ecologie, développement et mobilité durables"  # programmes 113 and 181


class Line(NamedTuple):
    region: str
    annee: int
    programme: str
    ae: float
    cp: float


# Keyed by n_ej. Localisation / centre de coûts (its département) in comments: they drive the geo filter.
DATA = {
    "1001": Line("53", 2023, "103", 100, 30),  # A, loc Rennes, centre DREETS0035 (no département)
    "1002": Line("53", 2023, "113", 200, 0),  # B, loc N53, centre in 29; tags fonds-vert:2023
    "1003": Line("53", 2023, "119", 300, 0),  # C, loc N52, centre in 44
    "1004": Line("53", 2023, "181", 100, 0),  # D, loc N52, centre in 29 (ties 1001 on AE)
    "9999": Line("53", 2023, "103", 0, 7),  # orphan CP (cp-orphelin), loc Rennes
    "2001": Line("53", 2022, "103", 50, 0),  # A, loc Rennes
    "5201": Line("52", 2023, "103", 1000, 0),  # D, loc Nantes, centre in 44
    "7001": Line("53", 2023, "103", 1234.5, 0),  # NATION (AIFE, société BRET), loc Rennes
}
ALL = set(DATA)
RENNES = {"1001", "9999", "2001", "7001"}


def build_dataset(engine, tmp):
    def imported(paths, **options):
        result = import_chorus(engine, paths, ImportOptions(**options))
        assert result.written, [p.describe() for r in result.reports for p in r.errors]

    ae53 = [
        ae_row("1001", 1, "100", siret=SIRET_A),
        ae_row(
            "1002", 1, "200", programme="0113", siret=SIRET_B, loc="N53", centre=DDTM29, domaine="0113-07"
        ),
        ae_row("1003", 1, "300", programme="119", siret=SIRET_C, loc="N52", centre=DDTM44, ref_prog=RP_1003),
        ae_row("1004", 1, "100", programme="181", siret=SIRET_D, loc="N52", centre=DDTM29),
    ]
    cp53 = [cp_row("1001", 1, "9000001", "30"), cp_row("9999", 1, "9000002", "7")]
    imported([write_ae(tmp / "ae53.csv", ae53), write_cp(tmp / "cp53.csv", cp53)], region="53")
    imported(
        [write_ae(tmp / "ae53_22.csv", [ae_row("2001", 1, "50", siret=SIRET_A)], exercice=2022)], region="53"
    )
    ae52 = [ae_row("5201", 1, "1000", siret=SIRET_D, loc="N5244109", centre=DDTM44)]
    imported([write_ae(tmp / "ae52.csv", ae52)], region="52")
    imported([write_aife_ae(tmp / "aife.csv", [aife_ae_row("7001", 1, "1234,5")])], annee=2023)
    etab, ul = tmp / "StockEtablissement_utf8.csv", tmp / "StockUniteLegale_utf8.csv"
    etab.write_text(
        "siren,nic,siret,codeCommuneEtablissement,denominationUsuelleEtablissement\n"
        + "".join(f"{s[:9]},{s[9:]},{s},{commune},\n" for s, commune, _, _ in SIRENE),
        "utf-8",
    )
    ul.write_text(
        "siren,categorieJuridiqueUniteLegale,denominationUniteLegale\n"
        + "".join(f"{s[:9]},{categorie},{name}\n" for s, _, categorie, name in SIRENE),
        "utf-8",
    )
    assert import_sirene(engine, [etab, ul])[0] == len(SIRENE)
    with engine.begin() as conn:  # no tag import yet: a typed tag written on the read model
        conn.execute(sa.text("UPDATE ligne SET tags = 'fonds-vert:2023' WHERE n_ej = '1002'"))


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def settings_(request, tmp_path_factory):
    """One imported dataset per database kind, shared by the read-only tests of this module."""
    tmp = tmp_path_factory.mktemp(f"contract-{request.param}")
    with imported_database(request.param, tmp, build_dataset) as engine:
        yield Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            auth_developpement=True,
            secret_key=TEST_SECRET,
        )


@pytest.fixture(scope="module")
def api(settings_):
    with TestClient(create_app(settings_)) as client:
        yield client


@pytest.fixture(scope="module")
def ids(api) -> dict[str, int]:
    lines = api.get("/api/v1/lignes", params={"colonnes": "n_ej", "page_size": 1000}).json()["lignes"]
    return {line["n_ej"]: line["id"] for line in lines}


def get(api, **params) -> dict:
    response = api.get("/api/v1/lignes", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def totals_of(keys) -> dict:
    return {
        "count": len(keys),
        "montant_ae": sum(DATA[k].ae for k in keys),
        "montant_cp": sum(DATA[k].cp for k in keys),
    }


def found(api, **params) -> set[str]:
    """n_ej of every line found; checks that the totals are those of the dataset's lines found."""
    body = get(api, colonnes="n_ej,montant_ae,montant_cp", page_size=1000, **params)
    keys = [line["n_ej"] for line in body["lignes"]]
    assert not body["has_next"] and len(keys) == len(set(keys))
    assert body["total"] == totals_of(keys)
    assert [(line["montant_ae"], line["montant_cp"]) for line in body["lignes"]] == [
        (DATA[k].ae, DATA[k].cp) for k in keys
    ]
    return set(keys)


def query(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_dataset_is_what_the_tests_expect(api):
    assert found(api) == ALL


FILTERS = [
    ({"code_programme": "103"}, {"1001", "9999", "2001", "5201", "7001"}),
    ({"code_programme": "0113,181"}, {"1002", "1004"}),
    ({"annee": "2022"}, {"2001"}),
    ({"annee": "2022, 2023"}, ALL),
    ({"beneficiaire_code": SIRET_D}, {"1004", "5201"}),
    ({"beneficiaire_code": f"{SIRET_A},{SIRET_B}"}, {"1001", "1002", "2001"}),
    ({"beneficiaire_categorieJuridique_type": "Collectivité"}, {"1001", "2001"}),
    ({"beneficiaire_categorieJuridique_type": "autres"}, {"1003", "9999", "7001"}),
    ({"beneficiaire_categorieJuridique_type": "Association,Entreprise"}, {"1002", "1004", "5201"}),
    ({"tags": "cp-orphelin"}, {"9999"}),
    ({"tags": "fonds-vert"}, {"1002"}),
    ({"tags": "fonds-vert:2023,cp-orphelin"}, {"1002", "9999"}),
    ({"tags": "fonds-vert:2024"}, set()),
    ({"tags": "cp"}, set()),
    ({"tags": "cp_orphelin"}, set()),  # LIKE wildcards are literal
    ({"tags": "%"}, set()),
    ({"domaine_fonctionnel": "0113-07"}, {"1002"}),
    ({"domaine_fonctionnel": "0103-01-01,0119-01"}, ALL - {"1002"}),
    ({"referentiel_programmation": RP_1003}, {"1003"}),
    ({"centres_couts": "DDTT029029"}, {"1002", "1004"}),
    ({"centres_couts": "DDTT044044,DREETS0035"}, ALL - {"1002", "1004"}),
    ({"n_ej": "1001,5201"}, {"1001", "5201"}),
    ({"theme": ECOLOGIE}, {"1002", "1004"}),
    ({"theme": "Travail et emploi|Relations avec les collectivités locales"}, ALL - {"1002", "1004"}),
    ({"source": "FINANCIAL_DATA_CP"}, {"9999"}),
    ({"source": "FINANCIAL_DATA_AE"}, ALL - {"9999"}),
    ({"data_source": "NATION"}, {"7001"}),
    ({"data_source": "nation"}, {"7001"}),
    ({"data_source": "REGION"}, ALL - {"7001"}),
    ({"source_region": "52"}, {"5201"}),
    ({"source_region": "53,52"}, ALL),
    ({"code_programme": "103", "annee": "2023", "data_source": "REGION"}, {"1001", "9999", "5201"}),
    # geo: beneficiary's commune OR localisation OR (département, région) centre de coûts' département
    ({"niveau_geo": "region", "code_geo": "53"}, RENNES | {"1002", "1004"}),
    ({"niveau_geo": "REGION", "code_geo": "52"}, {"1003", "1004", "5201"}),
    ({"niveau_geo": "region", "code_geo": "52,53"}, ALL),
    ({"niveau_geo": "departement", "code_geo": "29"}, {"1002", "1004"}),
    ({"niveau_geo": "departement", "code_geo": "44"}, {"1003", "1004", "5201"}),
    ({"niveau_geo": "departement", "code_geo": "35,29"}, RENNES | {"1002", "1004"}),
    ({"niveau_geo": "arrondissement", "code_geo": "353"}, RENNES),
    ({"niveau_geo": "epci", "code_geo": "243500139"}, RENNES),
    ({"niveau_geo": "epci", "code_geo": "242900314"}, {"1002"}),
    ({"niveau_geo": "commune", "code_geo": "44109"}, {"1004", "5201"}),
    ({"niveau_geo": "commune", "code_geo": "29019,35238"}, RENNES | {"1002"}),
    ({"n_ej": "nope"}, set()),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[query(p) for p, _ in FILTERS])
def test_each_filter_is_applied(api, params, expected):
    assert found(api, **params) == expected


def by_programme(keys) -> dict[str, tuple[int, float, float]]:
    groups = defaultdict(list)
    for k in keys:
        groups[DATA[k].programme].append(k)
    return {p: tuple(totals_of(ks).values()) for p, ks in groups.items()}


def test_grouping_levels_and_drill_down(api):
    body = get(api, grouping="programme_code")
    assert "lignes" not in body and body["total"] == totals_of(ALL)
    groups = body["groupes"]
    assert {g["code"]: (g["count"], g["montant_ae"], g["montant_cp"]) for g in groups} == by_programme(ALL)
    assert [g["montant_ae"] for g in groups] == sorted((g["montant_ae"] for g in groups), reverse=True)
    assert {g["colonne"] for g in groups} == {"programme_code"}
    assert next(g for g in groups if g["code"] == "113")["label"] == "113 - Paysages, eau et biodiversité"

    body = get(api, grouping="programme_code,source_region", grouped="103")
    in_103 = {k for k in ALL if DATA[k].programme == "103"}
    assert body["total"] == totals_of(in_103)
    assert {g["code"]: g["count"] for g in body["groupes"]} == {"53": 4, "52": 1}

    assert found(api, grouping="programme_code,annee", grouped="103,2022") == {"2001"}
    assert found(api, grouping="beneficiaire_categorie_juridique_type", grouped="None") == {
        "1003",
        "9999",
        "7001",
    }
    assert found(api, grouping="annee,data_source", grouped="2023,NATION") == {"7001"}


def test_sort_by_then_id_and_stable_pages(api, ids):
    for sort_by, order, key in [
        ("montant_ae", "desc", lambda k: (-DATA[k].ae, ids[k])),
        ("montant_ae", "asc", lambda k: (DATA[k].ae, ids[k])),
        ("programme_code", "asc", lambda k: (DATA[k].programme, ids[k])),
        ("annee", "desc", lambda k: (-DATA[k].annee, ids[k])),
    ]:
        expected = sorted(ALL, key=key)
        params = {"sort_by": sort_by, "sort_order": order, "colonnes": "n_ej"}
        whole = [line["n_ej"] for line in get(api, **params)["lignes"]]
        assert whole == expected, (sort_by, order)
        paged = [
            line["n_ej"] for p in (1, 2, 3) for line in get(api, page=p, page_size=3, **params)["lignes"]
        ]
        assert paged == expected, (sort_by, order)
    assert [line["id"] for line in get(api, colonnes="n_ej")["lignes"]] == sorted(ids.values())


@pytest.mark.parametrize(
    ("page", "page_size", "size", "has_next"),
    [
        (1, 3, 3, True),
        (2, 3, 3, True),
        (3, 3, 2, False),
        (1, 8, 8, False),
        (2, 4, 4, False),
        (1, 7, 7, True),
        (4, 4, 0, False),
    ],
)
def test_page_boundaries(api, ids, page, page_size, size, has_next):
    body = get(api, page=page, page_size=page_size, colonnes="n_ej")
    assert (body["page"], body["page_size"], body["has_next"]) == (page, page_size, has_next)
    start = (page - 1) * page_size
    assert [line["id"] for line in body["lignes"]] == sorted(ids.values())[start : start + page_size]
    assert len(body["lignes"]) == size
    assert body["total"] == totals_of(ALL)  # totals are the whole result's, not the page's


def test_groups_page_boundaries(api):
    assert get(api, grouping="programme_code", page_size=3)["has_next"] is True
    last = get(api, grouping="programme_code", page=2, page_size=3)
    assert (len(last["groupes"]), last["has_next"]) == (1, False)


def test_colonnes_choose_the_fields(api):
    line = get(api, colonnes="n_ej,annee", n_ej="1002")["lignes"][0]
    assert line == {"id": line["id"], "partie": 0, "n_ej": "1002", "annee": 2023}
    line = get(api, colonnes="n_ej,n_ej", n_ej="1002")["lignes"][0]
    assert line == {"id": line["id"], "partie": 0, "n_ej": "1002"}
    line = get(api, colonnes="programme_code", n_ej="1002")["lignes"][0]
    assert set(line) == {"id", "partie", "programme_code", "programme_label"}
    default = {c.code for c in COLONNES if c.default}
    labels = {c.label_column for c in COLONNES if c.default and c.label_column}
    assert set(get(api, n_ej="1002")["lignes"][0]) == {"id", "partie"} | default | labels


ERRORS = [
    ({"grouping": "inconnue"}, ["grouping", "« inconnue »"]),
    ({"grouping": "montant_ae"}, ["grouping", "« montant_ae »"]),
    ({"colonnes": "n_ej,inconnue"}, ["colonnes", "« inconnue »"]),
    ({"sort_by": "inconnue", "sort_order": "asc"}, ["sort_by", "« inconnue »"]),
    ({"sort_by": "tags", "sort_order": "asc"}, ["sort_by", "« tags »"]),
    ({"sort_by": "annee"}, ["sort_by et sort_order"]),
    ({"sort_by": "annee", "sort_order": "haut"}, ["sort_order", "asc ou desc"]),
    ({"niveau_geo": "region"}, ["niveau_geo et code_geo"]),
    ({"code_geo": "53"}, ["niveau_geo et code_geo"]),
    ({"niveau_geo": "crte", "code_geo": "200000172"}, ["niveau_geo", "« crte »"]),
    ({"inconnu": "1"}, ["Paramètre « inconnu » inconnu"]),
    ({"annee": "deux"}, ["annee"]),
    ({"page": "0"}, ["page"]),
    ({"page_size": "x"}, ["page_size"]),
    ({"grouping": "annee", "grouped": "2023,103"}, ["grouped"]),
    ({"grouping": "annee", "grouped": "deux"}, ["grouped", "« deux »"]),
    # beyond INTEGER / BIGINT: PostgreSQL and DuckDB would fail with a server error
    ({"grouping": "annee", "grouped": "99999999999"}, ["grouped"]),
    ({"annee": "99999999999"}, ["annee"]),
    ({"page": "99999999999999999999"}, ["page"]),
    ({"data_source": "ADEME"}, ["data_source", "« ADEME »", "REGION"]),
    ({"source": "AE"}, ["source", "« AE »", "FINANCIAL_DATA_AE"]),
]


@pytest.mark.parametrize(("params", "words"), ERRORS, ids=[query(p) for p, _ in ERRORS])
def test_refused_parameter_is_a_french_400(api, params, words):
    response = api.get("/api/v1/lignes", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body == {"erreur": {"code": "parametre-invalide", "message": body["erreur"]["message"]}}
    for word in words:
        assert word in body["erreur"]["message"]


def test_foreign_region_is_empty_not_an_error(settings_, ids):
    with TestClient(create_app(settings_.model_copy(update={"region_developpement": "53"}))) as api:
        assert found(api) == {k for k, line in DATA.items() if line.region == "53"}
        assert found(api, source_region="52") == set()
        assert found(api, n_ej="5201") == set()
        assert found(api, source_region="53", data_source="NATION") == {"7001"}
        for url in (f"/api/v1/lignes/{ids['5201']}", f"/api/v1/lignes/{ids['5201']}/paiements"):
            assert api.get(url).status_code == 404


def test_unknown_line_is_a_404_and_known_line_has_its_payments(api, ids):
    for url in ("/api/v1/lignes/987654321", "/api/v1/lignes/987654321/paiements"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["erreur"]["code"] == "ligne-introuvable"
    paid = api.get(f"/api/v1/lignes/{ids['1001']}/paiements").json()["paiements"]
    assert [(p["n_dp"], p["montant"]) for p in paid] == [("9000001", 30.0)]
    assert api.get(f"/api/v1/lignes/{ids['7001']}").json()["data_source"] == "NATION"


def test_empty_result_is_200_with_an_empty_list(api):
    body = get(api, annee="1999")
    assert (body["lignes"], body["has_next"], body["total"]) == ([], False, totals_of([]))
    body = get(api, annee="1999", grouping="programme_code")
    assert (body["groupes"], body["has_next"]) == ([], False)


def test_repeated_parameter_is_applied_or_refused(api):
    response = api.get("/api/v1/lignes", params=[("annee", "2022"), ("annee", "2023")])
    assert response.json()["total"] == totals_of(ALL)  # a list: every value applies
    repeated = api.get("/api/v1/lignes", params=[("sort_order", "asc"), ("sort_order", "desc")])
    assert repeated.status_code == 400 and "sort_order" in repeated.json()["erreur"]["message"]
