"""`GET /api/v1/beneficiaires/{siret}/subventions`: the Data Subvention panel as JSON (the
reference's `info-subvention`), from the same cache and with the same states as the page
(query/subventions.py). Région-scoped: a 404 for a SIRET the identity cannot see."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from dataetat.connectors.data_subvention import Etat
from dataetat.query import beneficiaires
from dataetat.query import subventions as panels
from dataetat.web.api import contrat
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.errors import NotFound

router = APIRouter(prefix="/api/v1")


class Subvention(BaseModel):
    exercice: int | None
    ej: str | None
    dispositif: str | None
    sous_dispositif: str | None
    service_instructeur: str | None
    attribuant: str | None
    objet: str | None
    statut: str | None
    montant_demande: float | None
    montant_accorde: float | None
    ligne_id: int | None = None  # the visible Chorus line of this EJ


class Exercice(BaseModel):
    exercice: int | None
    total_demande: float
    total_accorde: float
    subventions: list[Subvention]


class Subventions(BaseModel):
    siret: str
    etat: (
        Etat  # ok, aucune, pas-association, jeton-absent, jeton-refuse, non-diffusible, refusee, indisponible
    )
    message: str  # French, for a state other than ok
    recupere_le: datetime | None  # when Data Subvention gave this answer
    donnees_perimees: bool  # the service failed: its last answer, older than the time to live
    nombre: int
    total_demande: float
    total_accorde: float
    exercices: list[Exercice]


@router.get("/beneficiaires/{siret}/subventions", responses=contrat.ERRORS | contrat.NOT_FOUND)
async def subventions(siret: str, request: Request, me: CurrentIdentity, db: Db) -> Subventions:
    """The subsidies Data Subvention knows for an association (catégorie juridique 92xx), by
    exercice with totals; each subsidy links to the visible Chorus line of its EJ (`ligne_id`)."""
    who = await db.read(beneficiaires.identite, siret, me.region)
    if who is None:
        raise NotFound(
            "beneficiaire-introuvable", f"Aucun bénéficiaire {siret} parmi ceux que vous pouvez voir."
        )
    p = await run_in_threadpool(panels.panneau, db.engine, request.app.state.settings, who, me.region)
    return Subventions(
        siret=siret,
        etat=Etat(p.etat),
        message=p.message,
        recupere_le=p.recupere_le,
        donnees_perimees=p.date_perimee,
        nombre=p.nombre,
        total_demande=p.total_demande,
        total_accorde=p.total_accorde,
        exercices=[
            Exercice(
                exercice=e.exercice,
                total_demande=e.total_demande,
                total_accorde=e.total_accorde,
                subventions=[Subvention.model_validate(s) for s in e.subventions],
            )
            for e in p.exercices
        ],
    )
