"""The catalogue (query/catalogue.py, catalog/dcat.py, /catalogue): the jeux from the read model and
the import history, the « Catalogue » page with its freshness badges, the DCAT-AP output in three
formats validated by pyshacl against the bundled DCAT-AP 2.1.1 shapes, hydra paging as udata's
harvester follows it, content negotiation; anonymous while accounts are required. Both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH
from tests.conftest import TEST_DATA, TEST_SECRET, imported_database
from tests.ouvert_donnees import fill

from dataetat.catalog.dcat import HYDRA, LICENCE_OUVERTE
from dataetat.query import catalogue
from dataetat.settings import Settings
from dataetat.store.marches_schema import marche_ligne
from dataetat.store.schema import import_fichier
from dataetat.web.app import create_app

SHAPES = TEST_DATA / "dcat"
NOW = datetime.now().replace(microsecond=0)


def build(engine, _folder) -> None:
    fill(engine)
    files = [  # kind, data_source, source_region, age in days
        ("chorus-ae", "REGION", "53", 3),
        ("chorus-cp", "REGION", "53", 400),
        ("chorus-ae", "NATION", "52,53", 45),
        ("ademe", None, None, 10),
        ("decp", None, None, 1),
    ]
    with engine.begin() as conn:
        for n, (kind, data_source, region, age) in enumerate(files, 1):
            conn.execute(import_fichier.insert().values(
                id=n, kind=kind, filename=f"f{n}.csv", data_source=data_source, source_region=region,
                imported_at=NOW - timedelta(days=age)))  # fmt: skip
        # Two marchés of région 53 (the second with two titulaires: two rows, one marché).
        conn.execute(marche_ligne.insert(), [
            {"uid": "m1", "num": 1, "rang": 1, "region_code": "53", "annee": 2024, "montant": 1000, "montant_part": 1000, "import_id": 5},
            {"uid": "m2", "num": 2, "rang": 1, "region_code": "53", "annee": 2025, "montant": 600, "montant_part": 300, "import_id": 5},
            {"uid": "m2", "num": 2, "rang": 2, "region_code": "53", "annee": 2025, "montant": 600, "montant_part": 300, "import_id": 5},
        ])  # fmt: skip


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def base(request, tmp_path_factory):
    with imported_database(request.param, tmp_path_factory.mktemp(f"cat-{request.param}"), build) as engine:
        yield engine


@pytest.fixture(scope="module")
def anonyme(base):
    url = base.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, secret_key=TEST_SECRET, url_publique="https://data-etat.example.fr")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def test_jeux(base):
    with base.connect() as conn:
        jeux = {j.identifiant: j for j in catalogue.jeux(conn)}
    assert set(jeux) == {"chorus-region-53", "chorus-nation-53", "ademe-53", "qpv-53", "decp-53"}
    decp = jeux["decp-53"]
    assert (decp.lignes, decp.montant_marches, decp.annees) == (2, Decimal("1600.00"), [2024, 2025])
    assert decp.montant_ae == 0 and decp.dernier_import == NOW - timedelta(days=1) and not decp.ouvert
    region = jeux["chorus-region-53"]
    assert region.annees == [2023, 2024] and region.lignes == 24
    assert region.premier_import == NOW - timedelta(days=400) and region.dernier_import == NOW - timedelta(
        days=3
    )
    assert jeux["chorus-nation-53"].dernier_import == NOW - timedelta(days=45)
    assert jeux["ademe-53"].montant_ae == Decimal("150000.00")
    assert jeux["qpv-53"].lignes == 5 and jeux["qpv-53"].ouvert == {"niveau": "qpv", "region": "53"}


def _shacl(graph: Graph, *names: str) -> list[tuple]:
    """Validate; returns the (focus node, path) of the results (all must be violations-free)."""
    shapes = Graph()
    for name in names:
        shapes.parse(SHAPES / name, format="turtle")
    conforms, results, text = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, text
    return [(results.value(r, SH.focusNode), results.value(r, SH.resultPath))
            for r in results.subjects(RDF.type, SH.ValidationResult)]  # fmt: skip


@pytest.mark.parametrize(("fmt", "parser"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_dcat_output_conforms_to_dcat_ap_shapes(anonyme, fmt, parser):
    answer = anonyme.get(f"/catalogue.{fmt}")
    assert answer.status_code == 200, answer.text
    graph = Graph().parse(data=answer.content, format=parser)
    assert _shacl(graph, "dcat-ap_2.1.1_shacl_shapes.ttl", "dcat-ap_2.1.1_shacl_range.ttl") == []
    if fmt == "ttl":  # recommended: all but a licence on the restricted lines (they have none)
        missing = _shacl(graph, "dcat-ap_2.1.1_shacl_shapes_recommended.ttl")
        assert {(str(node).rsplit("#", 1)[-1], path) for node, path in missing} == {
            ("lignes", DCTERMS.license)
        }
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 5
    for ds in datasets:
        for prop in (DCTERMS.identifier, DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCTERMS.issued,
                     DCTERMS.modified, DCTERMS.spatial, DCTERMS.temporal, DCAT.theme, DCTERMS.accessRights):  # fmt: skip
            assert graph.value(ds, prop) is not None, (ds, prop)
        assert graph.value(ds, DCTERMS.spatial) == URIRef("http://id.insee.fr/geo/region/53")
        decp = str(graph.value(ds, DCTERMS.identifier)) == "decp-53"
        for dist in graph.objects(ds, DCAT.distribution):
            for prop in (
                DCAT.accessURL,
                DCAT.downloadURL,
                DCTERMS["format"],
                *(() if decp else (DCTERMS.conformsTo,)),
            ):
                assert graph.value(dist, prop) is not None, (dist, prop)
            url = str(graph.value(dist, DCAT.downloadURL))
            if decp:
                assert "/api/v1/marches/export.csv?niveau_geo=region&code_geo=53" in url
            elif "/ouvert/" in url:
                assert graph.value(dist, DCTERMS.license) == LICENCE_OUVERTE
                assert str(graph.value(dist, DCTERMS.conformsTo)).endswith("/schemas/agregats-ouverts.json")
            else:
                assert str(graph.value(dist, DCTERMS.conformsTo)).endswith("/schemas/lignes.json")


def test_paging_as_udata_follows_it(anonyme):
    seen, url, pages = set(), "/catalogue.ttl?page_size=3", 0
    while url:
        graph = Graph().parse(data=anonyme.get(url).content, format="turtle")
        pages += 1
        catalog = URIRef("https://data-etat.example.fr/catalogue")
        assert int(graph.value(catalog, HYDRA.totalItems)) == 5
        view = graph.value(catalog, HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        seen |= {str(graph.value(d, DCTERMS.identifier)) for d in graph.objects(catalog, DCAT.dataset)}
        following = graph.value(view, HYDRA.next)
        assert following is None or isinstance(following, URIRef)
        url = str(following).removeprefix("https://data-etat.example.fr") if following else None
    assert pages == 2 and len(seen) == 5
    assert anonyme.get("/catalogue.ttl?page=3&page_size=3").status_code == 404


@pytest.mark.parametrize(
    ("accept", "media"),
    [("text/turtle", "text/turtle"), ("application/rdf+xml", "application/rdf+xml"),
     ("application/ld+json", "application/ld+json"), ("*/*", "application/ld+json"),
     ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
     ("application/json;q=0.5, text/turtle", "text/turtle")],
)  # fmt: skip
def test_content_negotiation(anonyme, accept, media):
    answer = anonyme.get("/catalogue", headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert "accept" in answer.headers["vary"].lower()


def test_catalogue_page(anonyme):
    page = anonyme.get("/catalogue", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.text
    row = text.split('data-jeu="chorus-region-53"')[1].split("</tr>")[0]
    assert 'data-fraicheur="a-jour"' in row and "/?source_region=53&amp;data_source=REGION" in row
    nation = text.split('data-jeu="chorus-nation-53"')[1].split("</tr>")[0]
    assert 'data-fraicheur="ancien"' in nation and "plus de 30 jours" in nation
    decp = text.split('data-jeu="decp-53"')[1].split("</tr>")[0]
    assert "/marches?niveau_geo=region&amp;code_geo=53" in decp and "montant des marchés" in decp
    assert "agregats" not in decp
    assert "/schemas/agregats-ouverts.json" in text and "/schemas/lignes.json" in text
    assert 'rel="alternate" type="text/turtle"' in text


def test_bad_format_is_a_french_400(anonyme):
    assert anonyme.get("/catalogue.xlsx").status_code == 400
