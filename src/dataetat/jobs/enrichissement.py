"""Enrichment of beneficiaries from the company registers, as a job (or from `dataetat enrichir`).

    job_id = submit(conn, owner, region, nouveaux=True, libelle="…")      # after an import
    job_id = submit(conn, SYSTEME, None, limite=10_000)                    # the nightly refresh
    bilan = enrichir(engine, settings, sirets, progress)                   # the work itself

Each SIRET is asked of Recherche d'entreprises (open); when it does not know it (a non-diffusible
unit is not exposed there) and an API Entreprise token is configured, of API Entreprise (a 451
marks the unit « non diffusible »). Answers are written by batches of `LOT`, each in one
transaction with the read model's beneficiary columns (store/enrichissement.py). A service that
is down (timeouts, 5xx, 429 beyond the retries, circuit open) stops the run without failing it:
the job ends with what it did, says the rest is not refreshed yet, and `reprendre_apres` asks the
schedule (jobs/planning.py) to queue the same job again later. Nothing blocks an import.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dataetat.connectors import errors, services
from dataetat.connectors.client import Client
from dataetat.connectors.entreprises import Fiche, api_entreprise_etablissement, recherche_etablissement
from dataetat.settings import Settings
from dataetat.store import enrichissement as store
from dataetat.store import limiteur, taches
from dataetat.store.engine import data_write
from dataetat.store.taches import Tache

TYPE = "enrichissement"
SYSTEME = "planification"  # owner of the jobs the schedule queues
LOT = 50  # SIRETs per transaction
MAX_ERREURS = 50  # per-SIRET errors kept in the report
log = logging.getLogger("dataetat.jobs")


def submit(
    conn: Connection,
    owner: str,
    region: str | None,
    *,
    sirets: list[str] | None = None,
    nouveaux: bool = False,
    limite: int | None = None,
    plus_vieux_que_jours: float | None = None,
    libelle: str | None = None,
) -> int:
    parametres = {
        "sirets": sirets,
        "nouveaux": nouveaux,
        "limite": limite,
        "plus_vieux_que_jours": plus_vieux_que_jours,
    }
    if libelle is None:
        libelle = (
            "Enrichissement des nouveaux bénéficiaires"
            if nouveaux
            else f"Rafraîchissement des bénéficiaires ({limite or 'tous'} au plus, les plus anciens d'abord)"
        )
    return taches.submit(conn, TYPE, owner, region, parametres, libelle)


def selection(conn: Connection, p: dict[str, Any]) -> list[str]:
    """The SIRETs a job's parameters designate."""
    age = p.get("plus_vieux_que_jours")
    return store.a_enrichir(
        conn,
        sirets=p.get("sirets"),
        nouveaux=bool(p.get("nouveaux")),
        plus_vieux_que=timedelta(days=age) if age is not None else None,
        limite=p.get("limite"),
    )


@dataclass
class Bilan:
    demandes: int = 0
    enrichis: int = 0
    non_diffusibles: int = 0
    introuvables: int = 0
    par_source: Counter = field(default_factory=Counter)
    erreurs: list[dict[str, str]] = field(default_factory=list)
    nb_erreurs: int = 0
    interrompu: str | None = None  # why the run stopped early (a service down), in French
    non_rafraichis: int = 0
    secondes: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["par_source"] = dict(self.par_source)
        d["secondes"] = round(self.secondes, 3)
        d["par_minute"] = round(60 * self.traites / self.secondes, 1) if self.secondes else None
        return d

    @property
    def traites(self) -> int:
        return self.enrichis + self.non_diffusibles + self.introuvables + self.nb_erreurs


class _Services:
    """The clients of one run: Recherche d'entreprises, API Entreprise when configured."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        reglages, creneaux = services.reglages(settings), limiteur.creneaux_partages(engine)
        self.recherche = Client(services.recherche_entreprises(settings), reglages, creneaux)
        ae = services.api_entreprise(settings)
        self.api_entreprise = Client(ae, reglages, creneaux) if ae else None

    def close(self) -> None:
        self.recherche.close()
        if self.api_entreprise:
            self.api_entreprise.close()

    def fiche(self, siret: str, bilan: Bilan) -> Fiche | None:
        fiche = recherche_etablissement(self.recherche, siret)
        if fiche is None and self.api_entreprise is not None:
            try:
                fiche = api_entreprise_etablissement(self.api_entreprise, siret)
            except errors.JetonRefuse as exc:  # no use asking again with this token during this run
                self.api_entreprise.close()
                self.api_entreprise = None
                _error(bilan, siret, str(exc))
        return fiche


def _error(bilan: Bilan, siret: str, message: str) -> None:
    bilan.nb_erreurs += 1
    if len(bilan.erreurs) < MAX_ERREURS:
        bilan.erreurs.append({"siret": siret, "message": message})


def enrichir(
    engine: Engine,
    settings: Settings,
    sirets: list[str],
    progress: Callable[[int], None] = lambda n: None,
    apres: Callable[[Connection], Any] | None = None,
) -> Bilan:
    """Ask the services about `sirets` and write what they say; `apres(conn)` runs once at the end in
    its own transaction when anything was written (tags: etiquetage.reapply)."""
    bilan, started = Bilan(demandes=len(sirets)), time.monotonic()
    clients = _Services(settings, engine)
    try:
        for start in range(0, len(sirets), LOT):
            fiches: list[dict[str, Any]] = []
            introuvables: dict[str, str] = {}
            for siret in sirets[start : start + LOT]:
                try:
                    fiche = clients.fiche(siret, bilan)
                except errors.ServiceIndisponible as exc:
                    bilan.interrompu = str(exc)
                    break
                except errors.ErreurService as exc:  # this SIRET only (bad answer, refused request)
                    _error(bilan, siret, str(exc))
                    continue
                if fiche is None:
                    introuvables[siret] = (
                        "api-entreprise" if clients.api_entreprise else "recherche-entreprises"
                    )
                    bilan.introuvables += 1
                    continue
                bilan.par_source[fiche.source] += 1
                if fiche.non_diffusible:
                    bilan.non_diffusibles += 1
                else:
                    bilan.enrichis += 1
                fiches.append(fiche.model_dump())
            if fiches or introuvables:
                with data_write(engine) as conn:  # the lines' beneficiary columns
                    store.ecrire(conn, fiches, introuvables, datetime.now().replace(microsecond=0))
            progress(bilan.traites)
            if bilan.interrompu is not None:
                break
    finally:
        clients.close()
    bilan.non_rafraichis = len(sirets) - bilan.traites
    if apres is not None and (bilan.enrichis or bilan.non_diffusibles or bilan.introuvables):
        with data_write(engine) as conn:
            apres(conn)
    bilan.secondes = time.monotonic() - started
    return bilan


def attendre_les_precedents(engine: Engine, job: Tache, pause: float = 1.0) -> None:
    """One enrichment at a time, whatever the number of workers: the services' limits are per IP
    address or token (the rate limiter is shared through the database on PostgreSQL, but one job
    at a time also keeps the whole budget for it rather than splitting it). A job waits while an older enrichment
    job runs (its worker's beat keeps its lease meanwhile; a dead worker's job is failed at its
    lease's end, and the wait ends)."""
    while True:
        with engine.connect() as conn:
            if not taches.running_before(conn, TYPE, job.id):
                return
        time.sleep(pause)


def run(
    engine: Engine, settings: Settings, job: Tache, progress, apres: Callable[[Connection], Any] | None = None
) -> dict[str, Any]:
    """The job: select its SIRETs, enrich them, report (geolocation rate before and after)."""
    attendre_les_precedents(engine, job)
    with engine.begin() as conn:
        sirets = selection(conn, job.parametres)
        taches.set_total(conn, job.id, len(sirets))
        avant = store.taux_geolocalisation(conn)
    bilan = enrichir(engine, settings, sirets, progress, apres)
    with engine.connect() as conn:
        apres_taux = store.taux_geolocalisation(conn)
    result = bilan.as_dict() | {
        "geolocalisation_avant": avant.as_dict(),
        "geolocalisation_apres": apres_taux.as_dict(),
    }
    if bilan.interrompu:
        later = datetime.now().replace(microsecond=0) + timedelta(
            minutes=settings.enrichissement_reprise_minutes
        )
        result["reprendre_apres"] = later.isoformat()
        log.warning("enrichissement interrompu (%s) : reprise après %s", bilan.interrompu, later)
    return result


def reprises(conn: Connection, settings: Settings, now: datetime):
    """The schedule's retry of an enrichment a service down interrupted: the latest enrichment job,
    when it asked to be taken again (`reprendre_apres` passed) and no enrichment job came after it."""
    latest = taches.latest_of_type(conn, TYPE)
    if latest is None or latest.statut != taches.TERMINEE or not latest.resultat:
        return []
    when = latest.resultat.get("reprendre_apres")
    if not when or datetime.fromisoformat(when) > now:
        return []
    p = latest.parametres

    def again(c: Connection) -> int:
        return taches.submit(c, TYPE, latest.proprietaire, latest.region, p, f"Reprise : {latest.libelle}")

    return [(f"{TYPE}-reprise-{latest.id}", datetime.fromisoformat(when), again)]
