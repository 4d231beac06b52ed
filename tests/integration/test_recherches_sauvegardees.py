"""Saved searches ("Mes recherches"): every filter and option survives save → reload → apply;
rename, delete, duplicate names, shares (read-only for the recipient, scoped by the recipient's
région), e-mail through a real SMTP server on loopback — on DuckDB and PostgreSQL."""

from __future__ import annotations

import dataclasses
import email
import email.header
import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from tests.factories import import_two_regions

from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import Identity, identity
from dataetat.web.formulaire import Recherche

ALICE = Identity("alice@x.fr", None, "USERS")  # national
BOB = Identity("bob@x.fr", "52", "USERS")  # région 52 only


def client(settings, who: Identity, **changes) -> TestClient:
    app = create_app(settings.model_copy(update=changes))
    app.dependency_overrides[identity] = lambda: who
    return TestClient(app)


def every_field() -> Recherche:
    """A search with every field of the URL state set to a valid value that is not its default."""
    r = Recherche(
        programmes=["103", "102"],
        referentiels_programmation=["010300000108"],
        niveau_geo="departement",
        code_geo=["35", "22"],
        critere_geo=["beneficiaire", "localisation"],
        annee_min=2021,
        annee_max=2023,
        beneficiaires=["85129663200017"],
        types_beneficiaires=["Association", "Entreprise"],
        tags=["cp-orphelin"],
        domaines_fonctionnels=["0103-01-01"],
        centres_couts=["DREETS0035"],
        source="FINANCIAL_DATA_AE",
        data_source="REGION",
        source_region=["53"],
        theme=["Plan de relance", "Culture"],
        objet=["fonds vert"],
        referentiel_programmation_libelle=["detr"],
        cper="oui",
        dispositif=["pvd", "acv"],
        grouper_par=["programme_code", "annee"],
        grouped=["103"],
        colonnes=["n_ej", "montant_ae", "programme_code"],
        tri="montant_ae",
        ordre="desc",
        page=2,
        vue="tableau",
        plein_ecran=True,
        pivot_lignes="beneficiaire_region_code",
        pivot_colonnes="programme_code",
        valeur="count",
    )
    default = Recherche()
    # annees is the other form of annee_min..annee_max (years that do not follow each other), never
    # both at once: its round trip is tests/unit/test_recherche_annees.py.
    unset = [
        f.name
        for f in dataclasses.fields(r)
        if getattr(r, f.name) == getattr(default, f.name) and f.name != "annees"
    ]
    assert not unset, f"champs laissés par défaut : {unset}"
    return r


def applied(url: str) -> Recherche:
    r, errors = Recherche.from_query(parse_qs(urlsplit(url).query))
    assert not errors
    return r


def token(api: TestClient) -> str:
    assert api.get("/recherches").status_code == 200
    return api.cookies.get(csrf.COOKIE)


def test_every_filter_and_option_round_trips(settings, engine):
    r = every_field()
    with client(settings, ALICE) as api:
        saved = api.post("/api/v1/recherches", json={"nom": "Tout", "recherche": dict(r.query_items())})
        assert saved.status_code == 201, saved.text
        again = api.get(f"/api/v1/recherches/{saved.json()['id']}").json()
        assert again["version"] == 1 and again["nom"] == "Tout"
        assert again["recherche"] == dict(r.query_items())  # codes, never labels
        assert applied(again["url"]).query_items() == r.query_items()
        page = api.get(again["url"])
        assert page.status_code == 200 and "ne sont pas valides" not in page.text
        resume = " ; ".join(again["resume"])
        assert "Accompagnement des mutations économiques et développement de l'emploi (103), " in resume
        assert "Accès et retour à l'emploi (102)" in resume  # codes named, in the chosen order
        assert "département Ille-et-Vilaine (35), Côtes-d'Armor (22)" in resume
        # The same through the page's form (the URL parameters of the search page).
        form = {
            csrf.FIELD: token(api),
            "nom": "Tout par la page",
            "parametres": urlsplit(r.url(page=2)).query,
        }
        done = api.post("/recherches", data=form, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].startswith("/recherches?ok=enregistree")
        mine = {x["nom"]: x for x in api.get("/api/v1/recherches").json()["recherches"]}
        assert applied(mine["Tout par la page"]["url"]).query_items() == r.query_items()
        html = api.get("/recherches").text
        assert "Tout par la page" in html and 'href="/?programmes=103%2C102' in html


def test_invalid_search_name_and_duplicate_are_refused_in_french(settings, engine):
    with client(settings, ALICE) as api:
        bad = api.post("/api/v1/recherches", json={"nom": "x", "recherche": {"grouper_par": "couleur"}})
        assert bad.status_code == 400 and "n'est pas un membre" in bad.json()["erreur"]["message"]
        assert (
            api.post("/api/v1/recherches", json={"nom": "x", "recherche": {"source": "Z"}}).status_code == 400
        )
        unknown = api.post("/api/v1/recherches", json={"nom": "x", "recherche": {"couleur": "bleu"}})
        assert unknown.status_code == 400 and "couleur" in unknown.json()["erreur"]["message"]
        for nom in ("", "   ", "n" * 121):
            refused = api.post("/api/v1/recherches", json={"nom": nom, "recherche": {}})
            assert refused.status_code == 400 and "1 à 120 caractères" in refused.json()["erreur"]["message"]
        assert api.post("/api/v1/recherches", json={"nom": "n" * 120}).status_code == 201
        first = api.post("/api/v1/recherches", json={"nom": "Emploi", "recherche": {"programmes": "102"}})
        twice = api.post("/api/v1/recherches", json={"nom": " Emploi ", "recherche": {"programmes": "103"}})
        assert first.status_code == 201 and twice.status_code == 409
        assert (
            twice.json()["erreur"]["code"] == "nom-deja-pris" and "déjà" in twice.json()["erreur"]["message"]
        )
        # The page answers a duplicate name with its French alert and a form to choose another.
        form = {csrf.FIELD: token(api), "nom": "Emploi", "parametres": "programmes=103"}
        page = api.post("/recherches", data=form)
        assert page.status_code == 409 and "Vous avez déjà une recherche nommée « Emploi »" in page.text
        assert 'href="/?programmes=103"' in page.text
        # Without the CSRF token nothing is saved.
        assert api.post("/recherches", data={"nom": "Sans jeton", "parametres": ""}).status_code == 403
        names = [x["nom"] for x in api.get("/api/v1/recherches").json()["recherches"]]
        assert "Sans jeton" not in names and names.count("Emploi") == 1


def test_rename_and_delete(settings, engine):
    with client(settings, ALICE) as api:
        a = api.post("/api/v1/recherches", json={"nom": "A", "recherche": {"programmes": "103"}}).json()
        b = api.post("/api/v1/recherches", json={"nom": "B", "recherche": {"vue": "carte"}}).json()
        renamed = api.patch(f"/api/v1/recherches/{a['id']}", json={"nom": "A bis"})
        assert renamed.status_code == 200 and renamed.json()["nom"] == "A bis"
        assert renamed.json()["recherche"] == {"programmes": "103", "vue": "lignes"}
        assert api.patch(f"/api/v1/recherches/{a['id']}", json={"nom": "B"}).status_code == 409
        assert api.patch(f"/api/v1/recherches/{a['id']}", json={"nom": "A bis"}).status_code == 200
        # Through the page: rename, then delete.
        t = token(api)
        done = api.post(
            f"/recherches/{b['id']}/renommer", data={csrf.FIELD: t, "nom": "Carte"}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "La recherche a été renommée." in api.get(done.headers["location"]).text
        assert api.get(f"/api/v1/recherches/{b['id']}").json()["nom"] == "Carte"
        asked = api.post(f"/recherches/{b['id']}/supprimer", data={csrf.FIELD: t})  # before confirmer.js
        assert asked.status_code == 200 and "Supprimer la recherche « Carte » ?" in asked.text
        assert api.get(f"/api/v1/recherches/{b['id']}").status_code == 200  # asked, not deleted
        done = api.post(f"/recherches/{b['id']}/supprimer", data={csrf.FIELD: t, "confirme": "oui"})
        assert done.status_code == 200 and "La recherche a été supprimée." in done.text
        assert api.get(f"/api/v1/recherches/{b['id']}").status_code == 404
        assert api.delete(f"/api/v1/recherches/{a['id']}").status_code == 204
        assert api.get("/api/v1/recherches").json() == {"recherches": []}
        assert api.delete(f"/api/v1/recherches/{a['id']}").status_code == 404
        assert "Vous n'avez aucune recherche sauvegardée" in api.get("/recherches").text


def test_share_recipient_reads_applies_in_own_region_and_cannot_change(settings, engine, tmp_path):
    import_two_regions(engine, tmp_path)
    with (
        client(settings, ALICE) as alice,
        client(settings, BOB) as bob,
        client(settings, Identity("eve@x.fr", "53", "USERS")) as eve,
    ):
        saved = alice.post(
            "/api/v1/recherches", json={"nom": "Tout voir", "recherche": {"vue": "lignes"}}
        ).json()
        rid = saved["id"]
        # Nobody else sees it before it is shared.
        assert bob.get(f"/api/v1/recherches/{rid}").status_code == 404
        shared = alice.post(f"/api/v1/recherches/{rid}/partages", json={"emails": ["Bob@X.fr", "alice@x.fr"]})
        assert shared.status_code == 200, shared.text
        body = shared.json()
        assert body["courriel"] == "non-configure" and body["lien"].endswith("/?vue=lignes")
        assert [p["destinataire"] for p in body["partages"]] == ["bob@x.fr"]  # lower case, not oneself
        bad = alice.post(f"/api/v1/recherches/{rid}/partages", json={"emails": ["pas-une-adresse"]})
        assert bad.status_code == 400 and "pas-une-adresse" in bad.json()["erreur"]["message"]

        mine = bob.get("/api/v1/recherches/partagees").json()["recherches"]
        assert [(x["nom"], x["partage_par"], x["modifiable"]) for x in mine] == [
            ("Tout voir", "alice@x.fr", False)
        ]
        assert bob.get("/api/v1/recherches").json() == {"recherches": []}
        assert "partages" not in bob.get(f"/api/v1/recherches/{rid}").json()
        page = bob.get("/recherches").text
        assert "Partagées avec moi" in page and "alice@x.fr" in page and f'id="supprimer-{rid}"' not in page
        # Read-only for the recipient, invisible to others.
        assert bob.delete(f"/api/v1/recherches/{rid}").status_code == 403
        assert bob.patch(f"/api/v1/recherches/{rid}", json={"nom": "À moi"}).status_code == 403
        assert (
            bob.post(f"/api/v1/recherches/{rid}/partages", json={"emails": ["eve@x.fr"]}).status_code == 403
        )
        t = token(bob)
        assert bob.post(f"/recherches/{rid}/supprimer", data={csrf.FIELD: t}).status_code == 403
        assert eve.get(f"/api/v1/recherches/{rid}").status_code == 404
        assert eve.delete(f"/api/v1/recherches/{rid}").status_code == 404
        assert alice.get(f"/api/v1/recherches/{rid}").json()["nom"] == "Tout voir"

        # Applying it: the normal search, scoped by whoever opens it.
        def lines(api) -> set[str]:
            html = api.get(mine[0]["url"]).text
            return {re.sub(r"\D", "", n) for n in re.findall(r'data-total="count">([^<]+)<', html)}

        assert lines(alice) == {"4"} and lines(bob) == {"1"}
        api_lines = bob.get("/api/v1/lignes", params={"colonnes": "source_region"}).json()["lignes"]
        assert {x["source_region"] for x in api_lines} == {"52"}

        # Deleted by its owner: gone for the recipient too.
        assert alice.delete(f"/api/v1/recherches/{rid}").status_code == 204
        assert bob.get("/api/v1/recherches/partagees").json() == {"recherches": []}


class Boite:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    boite = Boite()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd's controller needs one given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(boite, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", boite
    finally:
        controller.stop()


def test_share_sends_an_email_through_smtp(settings, engine, smtp):
    url, boite = smtp
    with client(settings, ALICE, smtp_url=url) as alice:
        rid = alice.post(
            "/api/v1/recherches", json={"nom": "Emploi 35", "recherche": {"programmes": "102"}}
        ).json()["id"]
        t = token(alice)
        done = alice.post(
            f"/recherches/{rid}/partager",
            data={csrf.FIELD: t, "emails": "bob@x.fr; carole@y.fr"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and "courriel=envoye" in done.headers["location"]
        assert "Un courriel avec le lien leur a été envoyé." in alice.get(done.headers["location"]).text
    assert sorted(m.rcpt_tos[0] for m in boite.messages) == ["bob@x.fr", "carole@y.fr"]
    message = email.message_from_bytes(boite.messages[0].content)
    assert "alice@x.fr" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode("utf-8")
    assert "a partagé avec vous la recherche « Emploi 35 »" in body
    assert "http://testserver/?programmes=102" in body and "http://testserver/recherches" in body


def test_share_without_smtp_shows_the_link_to_copy(settings, engine):
    with client(settings, ALICE) as alice:
        rid = alice.post("/api/v1/recherches", json={"nom": "P", "recherche": {"programmes": "102"}}).json()[
            "id"
        ]
        done = alice.post(
            f"/recherches/{rid}/partager", data={csrf.FIELD: token(alice), "emails": "bob@x.fr"}
        )
        assert done.status_code == 200
        assert (
            'id="lien-partage"' in done.text
            and 'value="http://testserver/?programmes=102&amp;vue=lignes"' in done.text
        )
        assert "Partagée avec bob@x.fr" in done.text
