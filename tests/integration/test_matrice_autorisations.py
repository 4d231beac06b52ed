"""Authorisation matrix (issue 5): EVERY route of the app — JSON API, pages, static files, login —
called as the anonymous visitor, USERS of région 53, USERS of région 52, NAT (USERS, national),
COMPTABLE of région 53 and ADMIN (national), each with a real account and a real session cookie
(POST /connexion with its CSRF token, `auth_developpement` off), on DuckDB and on PostgreSQL.

For each call the status is checked against `MATRIX` (tests/integration/matrice_routes.py), and the
answer — JSON, HTML, CSV, and XLSX, ODS, Parquet read cell by cell — must hold no marker of the
other région (n° EJ and DP, SIRETs, beneficiaries' names, amounts however formatted, file names):
lines, totals, groups, pivots, map, details, payments, exports and export jobs, look-ups, import
reports and rejected lines, saved and shared searches. The routes are read from the app: a route
without an entry in MATRIX fails, and so does an entry for a route that no longer exists.

Issue 15: the two régions' files share EJ numbers (one EJ with AE in both, one with AE in 53 only,
each paid in both régions) and an ADEME aid of unknown région (beneficiary not geolocated) must
reach national identities only; pages and the API are also called with both régions' values in the
URL (beneficiaries, EJ). A value the caller typed may be shown back; anything else is a leak. On
the code before issue 15 this matrix finds 36 leaks for USERS 53 and 38 for USERS 52 (payments of
the other région, beneficiaries' names, the unknown-région aid).

Size: 75 routes (method × path, the static mount included) × 6 identities = 450 cells; 1,080 calls
per database (several cases per route: own and foreign lines and jobs, each export format, grouped
and pivoted views), 2,160 on both; about 6 minutes per database on a loaded 2-core machine.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount
from tests.conftest import TEST_SECRET, imported_database
from tests.factories import ae_row, write_ae
from tests.integration.matrice_donnees import (
    ADMIN,
    ANONYME,
    COMPTES,
    CONNECTES,
    IDENTITES,
    NAT,
    R52,
    R53,
    REGION,
    REGIONS,
    TOUTES_COLONNES,
    USERS52,
    USERS53,
    connecter,
    creer_comptes,
    fuites,
    fuites_inconnue,
    jeton,
    remplir,
    texte,
)
from tests.integration.matrice_routes import MATRIX, Cas

from dataetat import exports
from dataetat.query.filters import region_scope
from dataetat.settings import Settings
from dataetat.store.schema import ligne
from dataetat.web import csrf
from dataetat.web.app import create_app


def routes_of(app) -> set[tuple[str, str]]:
    """(method, path template) of every route of the app; the static files' mount as GET."""
    found = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", route.path))
        else:
            found |= {(method, route.path) for method in route.methods or ()}
    return found


def taille() -> tuple[int, int, int]:
    """Routes, cells (routes × identities) and calls per database."""
    calls = sum(
        1 for cases in MATRIX.values() for cas in cases for qui in IDENTITES if cas.attendu[qui] is not None
    )
    return len(MATRIX), len(MATRIX) * len(IDENTITES), calls


class Monde:
    def __init__(self, app, engine, clients: dict[str, TestClient], ids: dict[str, int], folder: Path):
        self.app, self.engine, self.clients, self.ids, self.folder = app, engine, clients, ids, folder


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def monde(request, tmp_path_factory):
    """One database per kind, filled through the app; one logged-in client per identity."""
    folder = tmp_path_factory.mktemp(f"matrice-{request.param}")
    with imported_database(request.param, folder, creer_comptes) as engine, ExitStack() as stack:
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            auth_developpement=False,
            secret_key=TEST_SECRET,
            dossier_exports=folder / "exports",
            dossier_televersements=folder / "televersements",
            taches_dans_le_serveur=False,  # the jobs run when the test says so (run_pending)
        )
        app = create_app(settings)
        anonyme = stack.enter_context(TestClient(app))  # runs the lifespan: app.state.engine
        jeton(anonyme)  # its CSRF cookie
        clients = {ANONYME: anonyme} | {qui: connecter(TestClient(app), qui) for qui in CONNECTES}
        ids = remplir(app, engine, clients, folder).ids
        yield Monde(app, engine, clients, ids, folder)


def test_every_route_has_an_entry_in_the_matrix(tmp_path):
    app = create_app(Settings(database_url=f"duckdb:///{tmp_path / 'x.duckdb'}", secret_key=TEST_SECRET))
    routes = routes_of(app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, (
        "Routes sans entrée dans la matrice des autorisations (matrice_routes.py) : "
        + ", ".join(f"{m} {p}" for m, p in missing)
    )
    assert not stale, "Entrées de la matrice pour des routes qui n'existent plus : " + ", ".join(
        f"{m} {p}" for m, p in stale
    )
    for key, cases in MATRIX.items():
        assert cases and all(set(cas.attendu) == set(IDENTITES) for cas in cases), key
    routes_count, cells, calls = taille()
    print(
        f"\nMatrice des autorisations : {routes_count} routes × {len(IDENTITES)} identités = {cells}, {calls} appels"
    )


def _value(token: str, qui: str, ids: dict[str, int]) -> str:
    if ":" not in token:
        return token
    kind, _, whose = token.partition(":")
    if whose == "moi":
        whose = qui if qui != ANONYME else USERS53
    elif whose == "autre":
        whose = USERS52 if qui == USERS53 else USERS53
    return str(ids[f"{kind}:{whose}"])


def _call(monde: Monde, client: TestClient, method: str, path: str, cas: Cas, qui: str):
    url = cas.url or path.format(**{k: _value(v, qui, monde.ids) for k, v in cas.chemin.items()})
    kwargs = {"params": dict(cas.query), "follow_redirects": False}
    if cas.form is not None:
        kwargs["data"] = {k: v.format(qui=qui) for k, v in cas.form.items()} | {
            csrf.FIELD: client.cookies.get(csrf.COOKIE) or ""
        }
    if cas.json is not None:
        kwargs["json"] = cas.json
    if cas.csrf_entete:
        kwargs["headers"] = {csrf.HEADER: client.cookies.get(csrf.COOKIE) or ""}
    if cas.televersement:
        ae = write_ae(monde.folder / "envoi-matrice.csv", [ae_row("7770001", 1, "10")])
        kwargs["files"] = {"fichier_ae": (ae.name, ae.read_bytes(), "text/csv")}
    return url, client.request(method, url, **kwargs)


def _separate_session(monde: Monde, qui: str) -> TestClient:
    client = TestClient(monde.app)
    jeton(client)
    return connecter(client, qui) if qui != ANONYME else client


def _not_asked(markers: list[str], asked: str) -> list[str]:
    """The markers an answer shows that the caller did not give in the URL (a SIRET typed in the
    search may be shown back as typed: it is not a leak; its name would be)."""
    return [m for m in markers if m.lower() not in asked]


@pytest.mark.parametrize("qui", IDENTITES)
def test_matrix(monde, qui):
    own = REGION[qui]
    foreign = {"53": R52, "52": R53}.get(own)
    failures: list[str] = []
    calls = 0
    witnesses = dict.fromkeys(REGIONS, 0)  # answers showing each région's lines: the check is not idle
    for method, path in sorted(routes_of(monde.app)):
        for cas in MATRIX[(method, path)]:
            expected = cas.attendu[qui]
            if expected is None:
                continue
            client = _separate_session(monde, qui) if cas.session_separee else monde.clients[qui]
            url, response = _call(monde, client, method, path, cas, qui)
            calls += 1
            shown_query = {k: "…" if v == TOUTES_COLONNES else v for k, v in cas.query.items()}
            where = f"{method} {url}{'?' + urlencode(shown_query) if shown_query else ''} ({qui})"
            if response.status_code != expected:
                failures.append(f"{where} : statut {response.status_code}, attendu {expected}")
                continue
            location = response.headers.get("location", "")
            if (
                expected == 303
                and qui == ANONYME
                and method == "GET"
                and not location.startswith("/connexion")
            ):
                failures.append(f"{where} : redirigé vers {location!r} au lieu de /connexion")
            if expected == 303 and qui != ANONYME and cas.redirige and cas.redirige not in location:
                failures.append(f"{where} : redirigé vers {location!r}, attendu {cas.redirige!r}")
            body = texte(response)
            asked = (url + " " + " ".join(map(str, cas.query.values()))).lower()
            if foreign is not None and (leaked := _not_asked(fuites(body, foreign), asked)):
                failures.append(f"{where} : montre des données de la région {foreign.code} : {leaked}")
            if own is not None and (leaked := _not_asked(fuites_inconnue(body), asked)):
                failures.append(f"{where} : montre une ligne de région inconnue : {leaked}")
            for code, region in REGIONS.items():
                witnesses[code] += bool(fuites(body, region))
            if cas.session_separee and qui != ANONYME:
                if client.get("/", follow_redirects=False).status_code != 303:
                    failures.append(f"{where} : la session déconnectée reste ouverte")
                if monde.clients[qui].get("/api/v1/annees").status_code != 200:
                    failures.append(f"{where} : la déconnexion d'une autre session a fermé celle-ci")
    print(
        f"\n{qui} : {calls} appels, réponses montrant la région 53 : {witnesses['53']}, 52 : {witnesses['52']}"
    )
    for code in REGIONS:
        if qui != ANONYME and own in (None, code):
            assert witnesses[code] >= 20, (
                f"{qui} ne voit presque rien de la région {code} : {witnesses[code]}"
            )
    assert not failures, f"{len(failures)} écarts sur {calls} appels :\n" + "\n".join(failures)


@pytest.mark.parametrize("qui", (NAT, ADMIN))
def test_national_identities_see_both_regions(monde, qui):
    client = monde.clients[qui]
    for url, params in (
        ("/api/v1/lignes", {"colonnes": "n_ej,beneficiaire_code,montant_ae", "page_size": 500}),
        ("/", {"vue": "lignes", "colonnes": "n_ej,beneficiaire_denomination,montant_ae"}),
        *(
            (f"/api/v1/exports/lignes.{fmt}", {"colonnes": "n_ej,beneficiaire_code,montant_ae"})
            for fmt in exports.FORMATS
        ),
        ("/api/v1/pivot", {"lignes": "beneficiaire_code", "colonnes": "source_region"}),
    ):
        response = client.get(url, params=params)
        assert response.status_code == 200, (url, response.text)
        body = texte(response)
        for region in REGIONS.values():
            shown = fuites(body, region)
            assert region.n_ej[0] in shown or url == "/api/v1/pivot", (url, region.code, shown)
            assert {region.sirets[0], region.noms[0]} & set(shown), (url, region.code, shown)
        if url != "/api/v1/pivot":  # the line of unknown région is theirs to see
            assert fuites_inconnue(body), url


@pytest.mark.parametrize("qui", (USERS53, USERS52, "comptable53", NAT))
def test_totals_are_those_of_the_region(monde, qui):
    """The total of /api/v1/lignes is the sum of the lines of the région and 00 (national: every
    line, the one of unknown région included); its Σ CP is the Σ of the région's own CP file:
    the same EJ numbers in the other région bring none of its payments (issue 15 item 3)."""
    body = monde.clients[qui].get("/api/v1/lignes", params={"colonnes": "n_ej,montant_ae,montant_cp"}).json()
    scope = region_scope(REGION[qui])
    query = sa.select(sa.func.count(), sa.func.sum(ligne.c.montant_ae), sa.func.sum(ligne.c.montant_cp))
    with monde.engine.connect() as conn:
        count, ae, cp = conn.execute(query if scope is None else query.where(scope)).one()
    assert body["total"] == {
        "count": count,
        "montant_ae": pytest.approx(float(ae)),
        "montant_cp": pytest.approx(float(cp)),
    }
    own = [REGIONS[REGION[qui]]] if REGION[qui] else list(REGIONS.values())
    unknown = 0 if REGION[qui] else 1  # the ADEME aid of unknown région: national identities only
    expected_ae = sum(float(m) for r in own for m in r.montants_ae_tous()) + 8642 * unknown
    assert body["total"]["montant_ae"] == pytest.approx(expected_ae)
    expected_cp = sum(float(m) for r in own for m in r.montants_cp_tous())
    assert body["total"]["montant_cp"] == pytest.approx(expected_cp)
    # 53: two engagements, the orphan, EJ_COMMUN and EJ_COMMUN_53; 52: the same but its payment
    # of EJ_COMMUN_53 is an orphan line of its own.
    assert body["total"]["count"] == 5 * len(own) + unknown
    assert COMPTES[qui][0] in monde.clients[qui].get("/").text  # the page header names the account
