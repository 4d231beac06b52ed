"""The harvester of DECP catalogues against a real loopback server: catalogues in Turtle (hydra
paging), RDF/XML (the older paging vocabulary) and JSON-LD (a remote context), a redirect, broken
pages, a loop and a catalogue that pages forever, files valid, invalid, missing, failing, slow and
huge, the same distribution listed twice, nothing harvested twice; both databases."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from tests.fakes.serveur import Reponse, ServeurLocal
from typer.testing import CliRunner

from dataetat.cli import app as cli
from dataetat.jobs.moisson import moissonner
from dataetat.store import moisson as store

DATA = Path(__file__).resolve().parents[1] / "data" / "decp"
SCHEMA = "https://schema.data.gouv.fr/schemas/139bercy/format-commande-publique/2.0.3/schema_decp_v2.0.3.json"
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
"""


def turtle(
    base: str,
    page: str,
    datasets: list[tuple[str, list[tuple[str, bool]]]],
    suivante: str | None = None,
    ancien=False,
) -> str:
    out = [PREFIXES, f'<{base}{page}> a dcat:Catalog, hydra:Collection ; dct:title "DECP test" .']
    for ident, dists in datasets:
        out.append(
            f'<{base}/ds/{ident}> a dcat:Dataset ; dct:identifier "{ident}" ; dct:title "Jeu {ident}" .'
        )
        for url, decp in dists:
            conforme = f" ; dct:conformsTo <{SCHEMA}>" if decp else ""
            out.append(
                f"<{base}/ds/{ident}> dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <{base}{url}>{conforme} ] ."
            )
    if suivante:
        if ancien:
            out.append(f"<{base}{page}> a hydra:PagedCollection ; hydra:nextPage <{base}{suivante}> .")
        else:
            out.append(
                f"<{base}{page}> hydra:view <{base}{page}#vue> . <{base}{page}#vue> a hydra:PartialCollectionView ; hydra:next <{base}{suivante}> ."
            )
    return "\n".join(out)


def rdfxml(base: str) -> str:
    return f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:hydra="http://www.w3.org/ns/hydra/core#">
  <dcat:Catalog rdf:about="{base}/cat.rdf"><dct:title>DECP XML</dct:title>
    <rdf:type rdf:resource="http://www.w3.org/ns/hydra/core#PagedCollection"/>
    <hydra:nextPage rdf:resource="{base}/cat2.ttl"/>
    <dcat:dataset><dcat:Dataset rdf:about="{base}/ds/xml"><dct:identifier>xml</dct:identifier><dct:title>XML</dct:title>
      <dcat:distribution><dcat:Distribution><dcat:downloadURL rdf:resource="{base}/f/Marche.xml"/>
        <dct:conformsTo><rdf:Description rdf:about="https://example.org/schemas/decp"><dct:title>139bercy/format-commande-publique</dct:title></rdf:Description></dct:conformsTo>
      </dcat:Distribution></dcat:distribution>
    </dcat:Dataset></dcat:dataset>
  </dcat:Catalog>
</rdf:RDF>"""


def jsonld(base: str) -> str:
    return json.dumps(
        {
            "@context": "https://www.data.gouv.fr/context.jsonld",
            "@graph": [
                {"@id": f"{base}/cat.jsonld", "@type": "dcat:Catalog", "dct:title": "DECP JSON-LD"},
                {
                    "@id": f"{base}/ds/jsonld",
                    "@type": "dcat:Dataset",
                    "dct:identifier": "jsonld",
                    "dct:title": "JSON-LD",
                    "dcat:distribution": {
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": {"@id": f"{base}/f/concessions.json"},
                        "dct:conformsTo": {"@id": SCHEMA},
                    },
                },
            ],
        }
    )


FICHIERS = {
    "/f/valide.json": DATA / "marches_concessions.json",
    "/f/invalide.json": DATA / "regles-invalides.json",
    "/f/Marche.xml": DATA / "Marche.xml",
    "/f/concessions.json": DATA / "concessions.json",
}


@pytest.fixture
def serveur():
    def repondre(r):
        base = serveur_.url
        ttl = {"Content-Type": "text/turtle"}
        if r.chemin == "/cat.ttl" and r.query.get("page", "1") == "1":
            datasets = [
                ("a", [("/f/valide.json", True), ("/f/autre.csv", False)]),
                ("b", [("/f/valide.json", True)]),
            ]
            return Reponse(corps=turtle(base, "/cat.ttl", datasets, "/cat.ttl?page=2").encode(), entetes=ttl)
        if r.chemin == "/cat.ttl":
            datasets = [
                (
                    "c",
                    [
                        ("/f/invalide.json", True),
                        ("/f/absent.json", True),
                        ("/f/panne.json", True),
                        ("/f/lent.json", True),
                        ("/f/gros.json", True),
                    ],
                )
            ]
            return Reponse(corps=turtle(base, "/cat.ttl?page=2", datasets).encode(), entetes=ttl)
        if r.chemin == "/cat.rdf":
            return Reponse(corps=rdfxml(base).encode(), entetes={"Content-Type": "application/rdf+xml"})
        if r.chemin == "/cat2.ttl":
            return Reponse(corps=turtle(base, "/cat2.ttl", []).encode(), entetes=ttl)
        if r.chemin == "/cat.jsonld":
            return Reponse(corps=jsonld(base).encode(), entetes={"Content-Type": "application/ld+json"})
        if r.chemin == "/redirige":
            return Reponse(statut=302, corps=b"", entetes={"Location": f"{base}/cat.jsonld"})
        if r.chemin == "/tourne":
            return Reponse(statut=302, corps=b"", entetes={"Location": f"{base}/tourne"})
        if r.chemin == "/boucle.ttl":
            return Reponse(corps=turtle(base, "/boucle.ttl", [], "/boucle.ttl").encode(), entetes=ttl)
        if r.chemin == "/infini.ttl":
            n = int(r.query.get("page", "1"))
            return Reponse(
                corps=turtle(base, f"/infini.ttl?page={n}", [], f"/infini.ttl?page={n + 1}").encode(),
                entetes=ttl,
            )
        if r.chemin == "/page.html":
            return Reponse(
                corps=b"<html><body>Pas un catalogue</body></html>", entetes={"Content-Type": "text/html"}
            )
        if r.chemin in FICHIERS:
            return Reponse(
                corps=FICHIERS[r.chemin].read_bytes(), entetes={"Content-Type": "application/json"}
            )
        if r.chemin == "/f/panne.json":
            return Reponse(statut=503, corps=b"indisponible")
        if r.chemin == "/f/lent.json":
            return Reponse(corps=b"{}", delai=1.0)
        if r.chemin == "/f/gros.json":
            return Reponse(corps=b" " * (1024 * 1024 + 1))
        return Reponse(statut=404, corps=b"introuvable")

    serveur_ = ServeurLocal(repondre)
    with serveur_:
        yield serveur_


@pytest.fixture
def reglages(settings):
    return settings.model_copy(
        update={"moisson_delai_s": 0.4, "moisson_taille_max_mo": 1, "moisson_pages_max": 3}
    )


def _inscrire(engine, url, **champs):
    with engine.begin() as conn:
        return store.ajouter_catalogue(conn, url, now=datetime(2026, 12, 4), **champs)


def _distributions(engine, moisson_id):
    with engine.connect() as conn:
        return {(d["url"].split("/", 3)[-1], d["statut"]) for d in store.distributions(conn, moisson_id)}


def test_turtle_paged_catalogue_then_nothing_twice(engine, reglages, serveur):
    url = f"{serveur.url}/cat.ttl"
    _inscrire(engine, url, zone_code="35", zone_niveau="departement")
    [bilan] = moissonner(engine, reglages, url)
    assert (bilan.pages, bilan.jeux, bilan.distributions) == (2, 3, 7)  # valide.json listed twice: once
    assert bilan.statut == "partielle" and bilan.fichiers == 2 and bilan.fichiers_deja_vus == 0
    assert (bilan.enregistrements, bilan.valides) == (4 + 22, 4 + 8)
    assert len(bilan.erreurs) == 4
    assert any("HTTP 404" in e for e in bilan.erreurs) and any("HTTP 503" in e for e in bilan.erreurs)
    with engine.connect() as conn:
        [cat] = store.catalogues(conn)
        moisson_id = cat["moisson_id"]
        rows = store.distributions(conn, moisson_id)
    assert cat["statut"] == "partielle" and cat["enregistrements"] == 26
    assert _distributions(engine, moisson_id) == {
        ("f/valide.json", "valide"),
        ("f/autre.csv", "non-decp"),
        ("f/invalide.json", "invalide"),
        ("f/absent.json", "erreur"),
        ("f/panne.json", "erreur"),
        ("f/lent.json", "erreur"),
        ("f/gros.json", "erreur"),
    }
    messages = {d["url"].rsplit("/", 1)[-1]: d["message"] for d in rows}
    assert "ne répond pas à temps" in messages["lent.json"]
    assert "trop gros" in messages["gros.json"]
    # Harvested again: the two files have the same content, nothing is validated twice.
    [again] = moissonner(engine, reglages, url)
    assert again.fichiers == 0 and again.fichiers_deja_vus == 2 and again.enregistrements == 0
    with engine.connect() as conn:
        history = store.historique(conn, cat["id"])
    assert [h["fichiers"] for h in history] == [0, 2]


def test_rdfxml_old_paging_jsonld_and_redirect(engine, reglages, serveur):
    for path in ("/cat.rdf", "/redirige"):
        _inscrire(engine, serveur.url + path)
    rdf, redirect = moissonner(engine, reglages)
    assert rdf.statut == "ok" and rdf.pages == 2 and rdf.fichiers == 1 and rdf.enregistrements == 2
    assert (
        redirect.statut == "ok" and redirect.fichiers == 1 and redirect.valides == 2
    )  # JSON-LD, context not fetched
    assert not any(r.chemin == "/context.jsonld" for r in serveur.requetes)


def test_broken_looping_and_endless_catalogues(engine, reglages, serveur):
    for path in ("/page.html", "/boucle.ttl", "/infini.ttl", "/rien.ttl", "/tourne"):
        _inscrire(engine, serveur.url + path)
    html, boucle, infini, rien, tourne = moissonner(engine, reglages)
    assert tourne.statut == "erreur" and "trop de redirections" in tourne.erreurs[0]
    assert html.statut == "erreur" and "HTML" in html.erreurs[0]
    assert boucle.statut == "partielle" and boucle.pages == 1 and "boucle" in boucle.erreurs[0]
    assert infini.statut == "partielle" and infini.pages == 3 and "Plus de 3 pages" in infini.erreurs[0]
    assert rien.statut == "erreur" and "HTTP 404" in rien.erreurs[0]
    with pytest.raises(LookupError):
        moissonner(engine, reglages, serveur.url + "/inconnu.ttl")


def test_cli_register_and_harvest(engine, settings, serveur, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    url = f"{serveur.url}/cat.jsonld"
    added = runner.invoke(
        cli,
        ["catalogues", "ajouter", url, "--zone", "53", "--niveau", "region", "--contact", "decp@example.fr"],
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["catalogues", "ajouter", url]).exit_code == 1  # already registered
    assert runner.invoke(cli, ["catalogues", "ajouter", "ftp://x"]).exit_code == 2
    done = runner.invoke(cli, ["moissonner", url])
    assert done.exit_code == 0, done.output
    assert "2 enregistrement(s) dont 2 valide(s)" in done.output
    listed = runner.invoke(cli, ["catalogues", "liste"])
    assert "100.0 % valides" in listed.output and "zone 53" in listed.output


def test_scheduled_harvest_runs_as_a_job(engine, reglages, serveur, tmp_path):
    from dataetat.jobs import execution, moisson, planning

    assert planning.lire("enrichissement=02:00,moissonnage=03:30")[1][0] == "moissonnage"
    _inscrire(engine, f"{serveur.url}/cat.jsonld")
    with engine.begin() as conn:
        planning.TACHES["moissonnage"](conn, reglages, datetime(2026, 12, 4, 3, 30))
    job = execution.run_one(engine, tmp_path, settings=reglages)
    assert job is not None and job.type == moisson.TYPE
    with engine.connect() as conn:
        [cat] = store.catalogues(conn)
    assert cat["statut"] == "ok" and cat["valides"] == 2


def test_valid_marches_are_imported_invalid_ones_left_out(engine, reglages, serveur):
    """The KO/OK gate: the valid marchés of a harvested file reach the marchés tables, not the others."""
    import sqlalchemy as sa

    from dataetat.store.marches_schema import marche

    _inscrire(engine, f"{serveur.url}/cat.ttl")
    [bilan] = moissonner(engine, reglages)
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(marche.c.id)).scalars())
    assert bilan.importes == len(ids) > 0
    assert "TEST2022" in ids  # valide.json's marchés
    assert "M0000000002" not in ids  # montant 0 in invalide.json: refused
    assert "M0000000000" in ids  # a valid marché of invalide.json: imported
