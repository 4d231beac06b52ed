"""The harvester of DECP catalogues (`dataetat moissonner [URL]`): for each registered catalogue,
read its DCAT pages (hydra paging, a cap on pages, a loop stops), list its datasets and
distributions, and for each distribution that `dct:conformsTo` the DECP schema download the file
(timeouts, redirects, size cap), skip it when its content was harvested before (sha256), run the
DECP validator, import what is valid (the KO/OK gate) and keep the report. One `decp_moisson` row
per harvest is the producer's conformity history."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from dataetat.decp.moisson import dcat
from dataetat.decp.moisson.telechargement import EchecTelechargement, Fichier, client, telecharger
from dataetat.decp.validation import Rapport, iter_valider
from dataetat.settings import Settings
from dataetat.store import moisson as store
from dataetat.store import taches

log = logging.getLogger("dataetat.moisson")
TYPE = "moisson"  # the job kind (worker RUNNERS, the schedule's « moissonnage »)
TAILLE_MAX_PAGE = 20 * 1024 * 1024  # a catalogue page larger than this is not a catalogue page
MAX_DETAILS_RAPPORT = 200


@dataclass
class Bilan:
    url: str
    statut: str = "ok"
    pages: int = 0
    jeux: int = 0
    distributions: int = 0
    fichiers: int = 0
    fichiers_deja_vus: int = 0
    enregistrements: int = 0
    valides: int = 0
    importes: int = 0
    erreurs: list[str] = field(default_factory=list)
    secondes: float = 0.0


def moissonner(engine: Engine, settings: Settings, url: str | None = None, now=datetime.now) -> list[Bilan]:
    """Harvest one registered catalogue (`url`) or all of them."""
    with engine.connect() as conn:
        cats = store.catalogues(conn)
    if url is not None:
        cats = [c for c in cats if c["url"] == url]
        if not cats:
            raise LookupError(f"Catalogue inconnu : {url} (inscrivez-le : dataetat catalogues ajouter URL).")
    return [moissonner_catalogue(engine, settings, c, now) for c in cats]


def moissonner_catalogue(engine: Engine, settings: Settings, cat: dict, now=datetime.now) -> Bilan:
    start = time.perf_counter()
    bilan = Bilan(cat["url"])
    with engine.begin() as conn:
        moisson_id = store.debut_moisson(conn, cat["id"], now())
    taille_max = settings.moisson_taille_max_mo * 1024 * 1024
    with client(settings.moisson_delai_s) as http, tempfile.TemporaryDirectory(prefix="moisson-") as tmp:
        folder = Path(tmp)
        vues: set[str] = set()
        page_url: str | None = cat["url"]
        pages_vues: set[str] = set()
        while page_url:
            if page_url in pages_vues:
                bilan.erreurs.append(f"Pagination en boucle : {page_url} déjà lue ; arrêt.")
                break
            if bilan.pages >= settings.moisson_pages_max:
                bilan.erreurs.append(
                    f"Plus de {settings.moisson_pages_max} pages : arrêt (réglage moisson_pages_max)."
                )
                break
            pages_vues.add(page_url)
            page = _page(http, page_url, folder, bilan)
            if page is None:
                break
            bilan.pages += 1
            for jeu in page.jeux:
                bilan.jeux += 1
                for d in jeu.distributions:
                    if d.url in vues:
                        continue  # the same distribution listed twice
                    vues.add(d.url)
                    bilan.distributions += 1
                    _distribution(engine, http, cat, moisson_id, jeu, d, folder, taille_max, bilan, now)
            page_url = page.suivante
    if bilan.erreurs:
        bilan.statut = "erreur" if bilan.pages == 0 else "partielle"
    bilan.secondes = time.perf_counter() - start
    with engine.begin() as conn:
        store.fin_moisson(
            conn,
            moisson_id,
            now(),
            bilan.statut,
            bilan.erreurs,
            pages=bilan.pages,
            jeux=bilan.jeux,
            distributions=bilan.distributions,
            fichiers=bilan.fichiers,
            fichiers_deja_vus=bilan.fichiers_deja_vus,
            enregistrements=bilan.enregistrements,
            valides=bilan.valides,
            importes=bilan.importes,
        )
    return bilan


def _page(http, url: str, folder: Path, bilan: Bilan) -> dcat.Page | None:
    try:
        fichier = telecharger(http, url, folder, TAILLE_MAX_PAGE)
    except EchecTelechargement as exc:
        bilan.erreurs.append(f"Page du catalogue : {exc}")
        return None
    try:
        return dcat.lire_page(fichier.chemin.read_bytes(), fichier.url_finale, fichier.content_type)
    except dcat.CatalogueIllisible as exc:
        bilan.erreurs.append(f"Page du catalogue {url} : {exc}")
        return None
    finally:
        fichier.chemin.unlink(missing_ok=True)


def _distribution(engine, http, cat, moisson_id, jeu, d, folder, taille_max, bilan: Bilan, now) -> None:
    row = {
        "catalogue_id": cat["id"],
        "moisson_id": moisson_id,
        "jeu_identifiant": jeu.identifiant,
        "jeu_titre": jeu.titre,
        "url": d.url,
        "titre": d.titre,
        "conforme_decp": d.decp,
        "moissonne_le": now(),
    }
    if not d.decp:
        _noter(engine, row | {"statut": "non-decp"})
        return
    try:
        fichier = telecharger(http, d.url, folder, taille_max)
    except EchecTelechargement as exc:
        bilan.erreurs.append(str(exc))
        _noter(engine, row | {"statut": "erreur", "message": str(exc)})
        return
    try:
        row |= {"empreinte": fichier.empreinte, "taille": fichier.taille}
        with engine.connect() as conn:
            seen = store.empreinte_connue(conn, fichier.empreinte)
        if seen:
            bilan.fichiers_deja_vus += 1
            _noter(
                engine,
                row | {"statut": "deja-vu", "message": "Contenu déjà moissonné (même empreinte) : ignoré."},
            )
            return
        rapport = _valider(fichier, d.url)
        importes = _importer(engine, fichier, rapport)
        bilan.fichiers += 1
        bilan.enregistrements += rapport.enregistrements
        bilan.valides += rapport.valides
        bilan.importes += importes
        _noter(
            engine,
            row
            | {
                "statut": "valide" if rapport.valide else "invalide",
                "enregistrements": rapport.enregistrements,
                "valides": rapport.valides,
                "erreurs": rapport.erreurs + sum(1 for c in rapport.fichier_constats if c.niveau == "erreur"),
                "avertissements": rapport.avertissements,
                "importes": importes,
                "rapport": json.dumps(rapport.as_dict(), ensure_ascii=False),
            },
        )
    finally:
        fichier.chemin.unlink(missing_ok=True)


def _valider(fichier: Fichier, url: str) -> Rapport:
    rapport = Rapport(fichier=url.rsplit("/", 1)[-1] or url, max_details=MAX_DETAILS_RAPPORT)
    for _ in iter_valider(fichier.chemin, rapport=rapport):
        pass
    return rapport


def _importer(engine: Engine, fichier: Fichier, rapport: Rapport) -> int:
    """Import the valid marchés of the file through the DECP import (`dataetat import decp`, which
    runs the same validator and leaves the invalid marchés out with `rejets`). A file without a
    valid record, or that could not be read to the end, imports nothing."""
    from dataetat.store.marches_import import import_decp

    if rapport.valides == 0 or any(c.niveau == "erreur" for c in rapport.fichier_constats):
        return 0
    named = fichier.chemin.with_suffix(f".{rapport.format or 'json'}")  # the import reads the extension
    fichier.chemin = fichier.chemin.rename(named)
    rejets = fichier.chemin.with_suffix(".rejets.json")
    result = import_decp(engine, [fichier.chemin], rejets=rejets, noms=[rapport.fichier])
    rejets.unlink(missing_ok=True)
    return result.marches if result.written else 0


def _noter(engine: Engine, row: dict) -> None:
    with engine.begin() as conn:
        store.enregistrer_distribution(conn, **row)


def submit(conn, proprietaire: str, url: str | None = None, libelle: str | None = None) -> int:
    """Queue a harvest job (one catalogue, or all)."""
    libelle = libelle or (f"Moisson du catalogue DECP {url}" if url else "Moisson des catalogues DECP")
    return taches.submit(conn, TYPE, proprietaire, None, {"url": url}, libelle)


def run(engine: Engine, settings: Settings, job, progress=None) -> dict:
    """The job: harvest, then a summary for « Mes tâches » and the audit."""
    bilans = moissonner(engine, settings, job.parametres.get("url"))
    return {
        "catalogues": len(bilans),
        "en_erreur": sum(1 for b in bilans if b.statut == "erreur"),
        "fichiers": sum(b.fichiers for b in bilans),
        "enregistrements": sum(b.enregistrements for b in bilans),
        "valides": sum(b.valides for b in bilans),
        "importes": sum(b.importes for b in bilans),
    }
