"""The « Subventions (Data Subvention) » panel of a beneficiary, and the subsidy of a line.

    p = panneau(engine, settings, who, region)      # who: beneficiaires.identite(...) of a visible SIRET
    p.etat, p.message, p.exercices (rows by exercice with totals), p.total_demande, p.total_accorde

Fetched on demand and cached (store/subventions.py) for `data_subvention_ttl_heures`: a fresh
cached answer is shown without calling the service; otherwise the service is asked (blocking:
run off the event loop) and a definite answer (subsidies, none, not an association) replaces the
cache. When the service fails, the last cached answer is still shown, marked as dated.

Only associations are asked: catégorie juridique 92xx or an RNA; a beneficiary whose catégorie
juridique is known and is not one is « pas une association » without any call; an unknown
catégorie asks the service (it answers 422 for a non-association, cached like any answer).

A subsidy whose `ej` is the n_ej of a financial line the identity may see links to that line
(région scope of the search, `filters.region_scope`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dataetat.connectors import data_subvention as ds
from dataetat.connectors.data_subvention import Etat
from dataetat.query.filters import region_scope
from dataetat.settings import Settings
from dataetat.store import limiteur
from dataetat.store import subventions as cache
from dataetat.store.engine import write_retrying
from dataetat.store.schema import ligne

MESSAGES = {
    Etat.AUCUNE: "Aucune subvention connue de Data Subvention pour cet établissement.",
    Etat.PAS_ASSOCIATION: "Pas une association : Data Subvention ne recense que les subventions aux associations.",
    Etat.JETON_ABSENT: "Jeton non configuré : l'accès à Data Subvention n'est pas paramétré sur cette instance "
    "(réglage DATAETAT_DATA_SUBVENTION_JETON).",
    Etat.JETON_REFUSE: "Jeton refusé par Data Subvention : l'accès de cette instance est à renouveler "
    "(réglage DATAETAT_DATA_SUBVENTION_JETON).",
    Etat.NON_DIFFUSIBLE: "Data Subvention ne diffuse pas les données de cet établissement.",
    Etat.REFUSEE: "Data Subvention a refusé la demande.",
    Etat.INDISPONIBLE: "Service indisponible : Data Subvention ne répond pas pour le moment, réessayez plus tard.",
}

Fetch = Callable[[Settings, str], ds.Resultat]
log = logging.getLogger("dataetat.subventions")
# Fetches of one SIRET are serialised (striped locks: bounded memory); a request waits at most
# ATTENTE_MAX_S for another fetch of its stripe before saying the service is busy.
_STRIPES = tuple(threading.Lock() for _ in range(64))
ATTENTE_MAX_S = 60.0


@dataclass
class Exercice:
    exercice: int | None
    subventions: list[dict[str, Any]]
    total_demande: float
    total_accorde: float


@dataclass
class Panneau:
    identifiant: str
    etat: str
    message: str = ""
    detail: str = ""  # the service's own explanation of a failure
    exercices: list[Exercice] = field(default_factory=list)
    total_demande: float = 0.0
    total_accorde: float = 0.0
    nombre: int = 0
    recupere_le: datetime | None = None
    date_perimee: bool = False  # the service failed: the last cached answer is shown

    def subventions(self) -> list[dict[str, Any]]:
        return [s for e in self.exercices for s in e.subventions]


def est_association(categorie_juridique: str | None, rna: str | None = None) -> bool | None:
    """True for an RNA or a catégorie juridique 92xx, False for another known catégorie, None unknown."""
    if rna:
        return True
    if not categorie_juridique:
        return None
    return categorie_juridique.strip().startswith("92")


def panneau(
    engine: Engine,
    settings: Settings,
    who: dict[str, Any],
    region: str | None,
    *,
    fetch: Fetch | None = None,
    now: datetime | None = None,
) -> Panneau:
    siret = who["siret"]
    if est_association(who.get("categorie_juridique"), who.get("rna")) is False:
        return Panneau(siret, Etat.PAS_ASSOCIATION, MESSAGES[Etat.PAS_ASSOCIATION])
    now = now or datetime.now()
    if fetch is None:  # the service itself, its rate shared by every process through this database
        creneaux = limiteur.creneaux_partages(engine)
        fetch = lambda s, identifiant: ds.subventions(s, identifiant, creneaux)  # noqa: E731
    cached, failed = _cached_or_fetched(engine, settings, siret, fetch, now)
    if failed is not None:
        log.warning("Data Subvention, SIRET %s : %s (%s)", siret, failed.etat.value, failed.message)
    if cached is None:
        assert failed is not None
        return Panneau(siret, failed.etat, MESSAGES[failed.etat], failed.message)
    found = _shown(engine, siret, cached, region)
    if failed is not None:  # the service failed: its last answer, dated
        found.date_perimee, found.detail = True, failed.message
    return found


def _cached_or_fetched(
    engine: Engine, settings: Settings, siret: str, fetch: Fetch, now: datetime
) -> tuple[cache.Cached | None, ds.Resultat | None]:
    """The answer to show (fresh from the cache, else fetched and cached, else the stale one) and
    the failure of the service when it was asked and failed. One fetch at a time per SIRET: a
    second page asking the same SIRET waits for the first, then reads what it cached."""
    ttl = timedelta(hours=settings.data_subvention_ttl_heures)
    with engine.connect() as conn:
        cached = cache.read(conn, siret)
    if cached is not None and now - cached.recupere_le < ttl:
        return cached, None
    lock = _STRIPES[hash(siret) % len(_STRIPES)]
    if not lock.acquire(timeout=ATTENTE_MAX_S):
        return cached, ds.Resultat(Etat.INDISPONIBLE, message="Trop de demandes en cours à Data Subvention.")
    try:
        with engine.connect() as conn:
            again = cache.read(conn, siret)
        if again is not None and again.recupere_le != getattr(cached, "recupere_le", None):
            return again, None  # fetched by another request meanwhile
        resultat = fetch(settings, siret)
        if resultat.etat not in ds.DEFINITIVE:
            return cached, resultat
        rows = [s.model_dump() for s in resultat.subventions]
        write_retrying(engine, cache.write, siret, resultat.etat.value, now, rows)
        return cache.Cached(resultat.etat.value, now, rows), None
    finally:
        lock.release()


def _shown(engine: Engine, siret: str, cached: cache.Cached, region: str | None) -> Panneau:
    etat = Etat(cached.etat)
    found = Panneau(siret, etat, MESSAGES.get(etat, ""), recupere_le=cached.recupere_le)
    if etat != Etat.OK:
        return found
    rows = sorted(cached.subventions, key=lambda s: (-(s.get("exercice") or 0), s.get("dispositif") or ""))
    with engine.connect() as conn:
        lines = lines_of_ej(conn, {s["ej"] for s in rows if s.get("ej")}, region)
    for s in rows:
        s["ligne_id"] = lines.get(s.get("ej") or "")
    for year, group in groupby(rows, key=lambda s: s.get("exercice")):
        items = list(group)
        found.exercices.append(
            Exercice(year, items, _sum(items, "montant_demande"), _sum(items, "montant_accorde"))
        )
    found.total_demande = _sum(rows, "montant_demande")
    found.total_accorde = _sum(rows, "montant_accorde")
    found.nombre = len(rows)
    return found


def _sum(rows: list[dict[str, Any]], key: str) -> float:
    return float(sum(r.get(key) or 0 for r in rows))


def lines_of_ej(conn: Connection, ejs: set[str], region: str | None) -> dict[str, int]:
    """n_ej → id of its first line visible to `region` (one query, parameterised)."""
    if not ejs:
        return {}
    scope = region_scope(region)
    query = (
        sa.select(ligne.c.n_ej, sa.func.min(ligne.c.id))
        .where(ligne.c.n_ej.in_(sa.bindparam("ejs", expanding=True)))
        .group_by(ligne.c.n_ej)
    )
    if scope is not None:
        query = query.where(scope)
    return {ej: line_id for ej, line_id in conn.execute(query, {"ejs": sorted(ejs)})}


def de_la_ligne(panel: Panneau, n_ej: str | None) -> list[dict[str, Any]]:
    """The subsidies of the panel whose EJ is the line's."""
    if not n_ej:
        return []
    return [s for s in panel.subventions() if s.get("ej") == n_ej]
