""" "Mes exports": the export jobs of whoever is asking, as a table (status with its text, progress,
size, download, delete). While a job waits or runs, the list fragment (`?fragment=1`) polls itself
every 2 s with htmx; it stops when nothing runs. Deleting is a small form (works without JS),
protected against cross-site requests (web/csrf.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from dataetat.jobs import exports as export_jobs
from dataetat.model.format_fr import nombre
from dataetat.store import taches
from dataetat.web import confirmation, csrf
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
JobId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]

# Status → (text, DSFR badge variant). The text carries the meaning; the colour only repeats it.
STATUTS = {
    taches.EN_ATTENTE: ("En attente", "new"),
    taches.EN_COURS: ("En cours", "info"),
    taches.TERMINEE: ("Terminé", "success"),
    taches.ECHEC: ("Échec", "error"),
}


def taille(octets: int | None) -> str:
    """Bytes → "12,3 Ko" / "4,5 Mo" (fr-FR)."""
    if octets is None:
        return ""
    if octets < 1024 * 1024:
        value, unit = octets / 1024, "Ko"
    else:
        value, unit = octets / (1024 * 1024), "Mo"
    return f"{value:.1f}".replace(".", ",") + f"\u00a0{unit}"


def _date_heure(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y à %H h %M") if moment else ""


def vue(job: taches.Tache) -> dict[str, Any]:
    """What the table shows of a job, formatted in French."""
    text, variant = STATUTS.get(job.statut, (job.statut, "info"))
    progression = ""
    if job.statut == taches.EN_COURS:
        sur = f" / {nombre(job.total)}" if job.total is not None else ""
        progression = f"{nombre(job.progression)}{sur} lignes"
    elif job.statut == taches.EN_ATTENTE and job.total is not None:
        progression = f"{nombre(job.total)} lignes à écrire"
    resultat = job.resultat or {}
    return {
        "id": job.id,
        "libelle": job.libelle,
        "format": job.parametres.get("format", "").upper(),
        "cree_le": _date_heure(job.cree_le),
        "statut": text,
        "badge": variant,
        "progression": progression,
        "erreur": job.erreur if job.statut == taches.ECHEC else None,
        "taille": taille(resultat.get("taille")) if job.statut == taches.TERMINEE else "",
        "lignes": nombre(resultat["lignes"]) if "lignes" in resultat else "",
        "lien": f"/api/v1/exports/{job.id}/fichier" if job.statut == taches.TERMINEE else None,
        "supprimable": job.statut != taches.EN_COURS,
    }


@router.get("/exports", response_class=HTMLResponse)
async def page_mes_exports(
    request: Request, me: CurrentIdentity, db: Db, fragment: Annotated[bool, Query()] = False
):
    return await _liste(request, me.user, db, fragment, request.query_params.get("supprime"))


async def _liste(
    request: Request, user: str, db: Db, fragment: bool, supprime: str | None, status: int = 200
):
    jobs = await db.read(taches.list_of, user, export_jobs.TYPE)
    token = csrf.token(request)
    context = {
        "exports": [vue(job) for job in jobs],
        "actif": any(job.statut in (taches.EN_ATTENTE, taches.EN_COURS) for job in jobs),
        "supprime": supprime,
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        "page_active": "/exports",
    }
    name = "_mes_exports.html" if fragment else "mes_exports.html"
    response = templates.TemplateResponse(request, name, context, status_code=status)
    return csrf.with_cookie(response, request, token)


@router.post("/exports/{job_id}/supprimer")
async def supprimer_export(
    job_id: JobId, request: Request, jeton_valide: csrf.Checked, me: CurrentIdentity, db: Db
):
    """Delete a job that is not running and its file, then back to the list (303, so a reload does
    not post again). A running or unknown job is left alone; the list says what happened."""
    if not jeton_valide:
        return await _liste(request, me.user, db, False, "refus", status=403)
    job = await db.read(taches.get, job_id, me.user)
    if job is not None and job.type == export_jobs.TYPE and not confirmation.given(await request.form()):
        return confirmation.page(
            request,
            question=f"Supprimer l'export « {job.libelle} » et son fichier ?",
            detail="Cette action est définitive.",
            action=f"/exports/{job_id}/supprimer",
            bouton="Supprimer l'export",
            retour="/exports",
            page_active="/exports",
        )
    outcome = "introuvable"
    if job is not None and job.type == export_jobs.TYPE:
        outcome = "non" if not await db.write(taches.delete, job_id, me.user) else "oui"
        if outcome == "oui":
            await run_in_threadpool(export_jobs.remove_file, request.app.state.stockage, job)
    return RedirectResponse(f"/exports?supprime={outcome}", status_code=303)
