"""Every GET route × each of its parameters × odd values (superscript digits, huge and negative
numbers, empty, unicode, very long strings, dates out of range, repeated parameters): never a server
error; a refusal is a 400 in French — the one JSON error shape for the API, a DSFR alert for a page
(issue 15 item 7: 58 × 500 per database). Bounded: each (route, parameter) gets two values in turn
(every value is tried on every route over the parameters), about a thousand requests per database."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, write_ae

from dataetat.query.params import SearchParams
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web.app import create_app
from dataetat.web.formulaire import Recherche
from dataetat.web.formulaire_choix import ALIASES

ODD = [
    "²",
    "³",
    "1,²",
    "-1",
    "0",
    "99999999999999999999",
    "",
    " ",
    "x",
    "école",
    "💶",
    "a" * 5000,
    "9999-12-31",
    "0001-01-01",
    "%_%",
    "'; DROP TABLE ligne;--",
    "<script>alert(1)</script>",
    ",,,",
    "|",
    "2023,1,2023",
]
API_SEARCH = [f.name for f in dataclasses.fields(SearchParams)] + ["annee_min", "annee_max"]
PAGE_SEARCH = [f.name for f in dataclasses.fields(Recherche)] + list(ALIASES) + ["annee", "code_qpv"]
SIRET = "85129663200017"
ROUTES: dict[str, list[str]] = {
    "/api/v1/lignes": API_SEARCH,
    "/api/v1/pivot": API_SEARCH + ["lignes", "valeur"],
    "/api/v1/carte": API_SEARCH + ["niveau", "valeur"],
    "/api/v1/exports/lignes.csv": API_SEARCH,
    "/api/v1/exports/lignes.xlsx": API_SEARCH,
    "/api/v1/exports/groupes.csv": API_SEARCH,
    "/api/v1/exports/pivot.csv": API_SEARCH + ["lignes", "valeur"],
    "/api/v1/qpv/tableau-de-bord": API_SEARCH + ["perimetre"],
    "/api/v1/qpv/carte": API_SEARCH + ["perimetre"],
    "/api/v1/lignes/1": ["x"],
    "/api/v1/lignes/1/paiements": ["x"],
    "/api/v1/annees": ["x"],
    "/api/v1/colonnes": ["x"],
    "/api/v1/exports": ["x"],
    "/api/v1/exports/1": ["x"],
    "/api/v1/recherches": ["x"],
    "/api/v1/referentiels/programmes": ["q", "limite"],
    "/api/v1/referentiels/referentiels-programmation": ["q", "code_programme", "limite"],
    "/api/v1/referentiels/zones/commune": ["q", "limite"],
    "/api/v1/referentiels/zones/qpv24": ["q", "limite"],
    "/api/v1/referentiels/beneficiaires": ["q", "limite"],
    "/api/v1/referentiels/tags": ["q", "limite"],
    "/api/v1/referentiels/centres-couts": ["q", "limite"],
    "/api/v1/referentiels/domaines-fonctionnels": ["q", "limite"],
    "/": PAGE_SEARCH,
    "/fragments/groupes": PAGE_SEARCH,
    "/qpv": PAGE_SEARCH + ["perimetre"],
    f"/beneficiaires/{SIRET}": ["annee", "page"],
    "/territoires/departement/35": ["annee", "page"],
    "/territoires/commune/35238": ["annee"],
    "/lignes/1": ["fragment"],
    "/exports": ["fragment", "supprime"],
    "/recherches": ["ok", "courriel", "id"],
    "/admin/audit": ["du", "au", "qui", "action", "resultat", "page"],
    "/admin/audit.csv": ["du", "au", "qui", "action", "resultat", "page"],
    "/admin/comptes": ["ok", "id", "q", "role", "region", "actif", "page"],
    "/admin/etiquettes": ["regle", "lignes", "secondes", "ok"],
    "/referentiels": ["x"],
    "/televersement": ["x"],
    "/aide": ["x"],
    "/connexion": ["suite"],
}


def _cases():
    """(path, params) pairs: each parameter of a route with two odd values, in turn over the list,
    then each parameter repeated."""
    turn = itertools.cycle(range(len(ODD)))
    for path, names in ROUTES.items():
        for name in names:
            for _ in range(2):
                yield path, [(name, ODD[next(turn)])]
            yield path, [(name, "1"), (name, "2")]
    for path in ("/api/v1/lignes", "/", "/api/v1/pivot?lignes=annee&colonnes=programme_code"):
        for value in ODD:  # every odd value on the main search parameters
            for name in ("page", "page_size", "annee", "annee_min", "tags", "source"):
                yield path, [(name, value)]


@pytest.fixture
def client(settings, engine, tmp_path):
    rows = [ae_row(str(i), 1, f"{i}00.5", siret=SIRET) for i in range(1, 21)]
    import_chorus(engine, [write_ae(tmp_path / "ae.csv", rows)], ImportOptions(region="53"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _french_refusal(path: str, response) -> str | None:
    """None when the answer is acceptable, else what is wrong with it."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:200]}"
    if response.status_code != 400:
        return None
    if path.startswith("/api/"):
        body = response.json()
        message = body.get("erreur", {}).get("message", "") if isinstance(body, dict) else ""
        return None if message and body["erreur"].get("code") else f"400 sans erreur en français : {body}"
    return None if "fr-alert" in response.text else "400 sans alerte DSFR"


def test_no_server_error_on_odd_parameters(client):
    problems = []
    count = 0
    for path, params in _cases():
        base, _, fixed = path.partition("?")
        query = [tuple(p.split("=")) for p in fixed.split("&")] if fixed else []
        response = client.get(base, params=query + params, follow_redirects=False)
        count += 1
        if (problem := _french_refusal(base, response)) is not None:
            problems.append((base, params[0][0], params[0][1][:30], len(params), problem))
    assert count > 800
    assert problems == [], "\n".join(map(str, problems))


def test_api_reads_the_year_range_of_the_pages(client):
    """The page links' annee_min/annee_max mean the same in the API: every year from one to the other."""
    lines = client.get("/api/v1/lignes", params={"annee": "2022,2023"}).json()["total"]
    ranged = client.get("/api/v1/lignes", params={"annee_min": "2022", "annee_max": "2023"}).json()["total"]
    assert ranged == lines and ranged["count"] == 20
    assert client.get("/api/v1/lignes", params={"annee_min": "2024"}).json()["total"]["count"] == 0
    both = client.get("/api/v1/lignes", params={"annee_min": "2022", "annee": "2023"})
    assert both.status_code == 400 and "annee_min" in both.json()["erreur"]["message"]


def test_list_parameters_are_capped(client):
    """4,000 tags cost 15 s of database time: beyond 200 values, a French 400, before any query."""
    tags = ",".join(f"t{i}" for i in range(4000))
    for path in ("/api/v1/lignes", "/api/v1/exports/lignes.csv"):
        refused = client.get(path, params={"tags": tags})
        assert refused.status_code == 400 and "200 au plus" in refused.json()["erreur"]["message"]
    repeated = client.get("/api/v1/lignes", params=[("code_programme", str(i)) for i in range(201)])
    assert repeated.status_code == 400
    assert client.get("/api/v1/lignes", params={"tags": ",".join(["acv"] * 200)}).status_code == 200
    page = client.get("/", params={"tags": tags})
    assert "200 au plus" in page.text


def test_a_zone_level_without_a_zone_is_said(client):
    page = client.get("/", params={"niveau_geo": "commune"})
    assert "sans zone (code_geo)" in page.text
    assert "sans zone" not in client.get("/", params={"niveau_geo": "commune", "code_geo": "35238"}).text


def test_the_map_reads_the_query_as_the_search(client):
    """/api/v1/carte kept the last of repeated values (a silent drop): now lists join, single values are refused."""
    twice = client.get("/api/v1/carte", params=[("niveau", "region"), ("niveau", "departement")])
    assert twice.status_code == 400 and "répété" in twice.json()["erreur"]["message"]
    joined = client.get("/api/v1/carte", params=[("annee", "2022"), ("annee", "2023")]).json()
    assert joined["total"]["count"] == 20


def test_a_search_that_cannot_run_is_a_400_with_the_form(client):
    """A pivot on a column that cannot be a pivot's rows: the page says why, without results (it
    used to render the results of nothing: a 500)."""
    page = client.get(
        "/", params={"vue": "tableau", "pivot_lignes": "beneficiaire", "pivot_colonnes": "annee"}
    )
    assert page.status_code == 400, page.text[-500:]
    assert 'id="recherche"' in page.text and 'id="totaux"' not in page.text
