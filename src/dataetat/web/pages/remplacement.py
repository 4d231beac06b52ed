"""What follows a check of uploaded Chorus files (see web/pages/televersement.py and jobs/imports.py):

    POST /televersement/{id}/confirmer    the user confirms the replacement shown: the same files
                                          (sha256 of the form = those checked) are imported by a new
                                          job, with the state shown (imported only if still so)
    POST /televersement/{id}/reessayer    a refused check, tried again on the kept files with
                                          another exercice (the user does not pick the files again)
    POST /televersement/{id}/abandonner   the kept files are deleted
    POST /televersement/lots/{lot}/annuler  « Annuler le dernier import »: the previous state of the
                                          lot's feeds restored (store/annulation.py)

Every form is CSRF-protected and for COMPTABLE and ADMIN only; a regional identity undoes only
the imports of its région.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Connection

from dataetat.jobs import imports as import_jobs
from dataetat.query import etiquetage
from dataetat.store import annulation, taches
from dataetat.web import csrf
from dataetat.web.deps import Comptable, Db, Identity
from dataetat.web.errors import Conflict, Forbidden, NotFound
from dataetat.web.pages.televersement import JobId, _form_page, _job

router = APIRouter(include_in_schema=False)
MARKER = "confirme"  # in the upload's folder: the id of the import job the confirmation queued
LotId = JobId


def _checked(job: taches.Tache) -> dict:
    if job.statut != taches.TERMINEE or not job.resultat or job.parametres.get("source"):
        raise Conflict("verification-en-cours", "La vérification de ces fichiers n'est pas terminée.")
    return job.resultat


def _kept_files(job: taches.Tache) -> list[import_jobs.Envoi]:
    if not import_jobs.files_kept(job):
        raise Conflict(
            "fichiers-indisponibles",
            "Les fichiers de cette vérification ne sont plus disponibles : chargez-les de nouveau.",
        )
    return [import_jobs.Envoi(**e) for e in job.parametres["fichiers"]]


async def _queue(request: Request, db: Db, me: Identity, job: taches.Tache, **choices) -> int:
    p = job.parametres
    job_id = await db.write(_submit, me, Path(p["dossier"]), _kept_files(job), p | {"avant": None} | choices)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return job_id


def _submit(conn: Connection, me: Identity, folder: Path, envois, p: dict) -> int:
    return import_jobs.submit(
        conn,
        me.user,
        me.region,
        folder,
        envois,
        annee=p["annee"],
        region_fichiers=p["region"],
        garder_valides=p["garder_valides"],
        avant=p["avant"],
    )


@router.post("/televersement/{job_id}/confirmer")
async def confirmer(job_id: JobId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db):
    if not jeton_valide:
        raise Forbidden(csrf.REFUS)
    job = await _job(db, job_id, me)
    resultat = _checked(job)
    if not resultat.get("a_confirmer"):
        raise Conflict("rien-a-confirmer", f"La vérification n° {job_id} n'attend pas de confirmation.")
    sent = str((await request.form()).get("empreintes") or "")
    if sent != ",".join(e["sha256"] for e in job.parametres["fichiers"]):
        raise Conflict(
            "empreintes-differentes",
            "Les fichiers confirmés ne sont pas ceux qui ont été vérifiés : chargez-les de nouveau.",
        )
    marker = Path(job.parametres["dossier"]) / MARKER
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        done = marker.read_text("ascii").strip()
        if done.isdigit():
            return RedirectResponse(f"/televersement/{done}", status_code=303)
        raise Conflict("deja-confirme", "Ce remplacement a déjà été confirmé.") from None
    except FileNotFoundError:
        _kept_files(job)  # the folder is gone: the French 409
        raise
    try:
        new_id = await _queue(request, db, me, job, avant=resultat["avant"])
    except BaseException:
        os.close(fd)
        marker.unlink(missing_ok=True)
        raise
    os.write(fd, str(new_id).encode("ascii"))
    os.close(fd)
    return RedirectResponse(f"/televersement/{new_id}", status_code=303)


@router.post("/televersement/{job_id}/reessayer")
async def reessayer(job_id: JobId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db):
    if not jeton_valide:
        raise Forbidden(csrf.REFUS)
    job = await _job(db, job_id, me)
    resultat = _checked(job)
    if resultat.get("importe") or resultat.get("a_confirmer"):
        raise Conflict("rien-a-reessayer", f"La vérification n° {job_id} n'a pas été refusée.")
    annee = str((await request.form()).get("annee") or "")
    if not (annee.isdigit() and 2000 <= int(annee) <= 2100):
        raise Conflict(
            "exercice-invalide", f"Exercice « {annee} » invalide : choisissez une année de la liste."
        )
    new_id = await _queue(request, db, me, job, annee=int(annee))
    return RedirectResponse(f"/televersement/{new_id}", status_code=303)


@router.post("/televersement/{job_id}/abandonner")
async def abandonner(job_id: JobId, jeton_valide: csrf.Checked, me: Comptable, db: Db):
    if not jeton_valide:
        raise Forbidden(csrf.REFUS)
    job = await _job(db, job_id, me)
    resultat = _checked(job)
    if not resultat.get("importe"):
        folder = Path(job.parametres["dossier"])
        if not (folder / MARKER).exists():
            shutil.rmtree(folder, ignore_errors=True)
    return RedirectResponse("/televersement", status_code=303)


@router.post("/televersement/lots/{lot_id}/annuler")
async def annuler(
    lot_id: LotId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db
) -> Response:
    if not jeton_valide:
        return await _form_page(request, me, db, status=403, erreurs=[csrf.REFUS])
    try:
        await db.write(_undo, lot_id, me)
    except annulation.AnnulationImpossible as e:
        if str(e).startswith("Aucun import"):
            raise NotFound("import-introuvable", str(e)) from None
        return await _form_page(request, me, db, status=409, erreurs=[str(e)])
    return RedirectResponse(f"/televersement?annule={lot_id}#historique-titre", status_code=303)


def _undo(conn: Connection, lot_id: int, me: Identity) -> None:
    annulation.annuler(conn, lot_id, me.user, me.region, apres=etiquetage.reapply)
