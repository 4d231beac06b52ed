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

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Connection

from dataetat.jobs import import_fichiers
from dataetat.jobs import imports as import_jobs
from dataetat.jobs.import_fichiers import Envoi
from dataetat.query.apres_import import apres_import
from dataetat.stockage import Store
from dataetat.store import annulation, taches
from dataetat.web import confirmation, csrf
from dataetat.web.deps import Comptable, Db, Identity
from dataetat.web.errors import Conflict, Forbidden, NotFound
from dataetat.web.pages.televersement import JobId, _form_page
from dataetat.web.pages.televersement_rapport import import_job

router = APIRouter(include_in_schema=False)
MARKER = "confirme"  # in the upload's folder: the id of the import job the confirmation queued
LotId = JobId


def _checked(job: taches.Tache) -> dict:
    if job.statut != taches.TERMINEE or not job.resultat or job.parametres.get("source"):
        raise Conflict("verification-en-cours", "La vérification de ces fichiers n'est pas terminée.")
    return job.resultat


def _kept_files(job: taches.Tache, store: Store) -> list[Envoi]:
    if not import_fichiers.files_kept(job, store):
        raise Conflict(
            "fichiers-indisponibles",
            "Les fichiers de cette vérification ne sont plus disponibles : chargez-les de nouveau.",
        )
    return [Envoi(**e) for e in job.parametres["fichiers"]]


async def _queue(request: Request, db: Db, me: Identity, job: taches.Tache, **choices) -> int:
    p = job.parametres
    envois = await run_in_threadpool(_kept_files, job, request.app.state.stockage.televersements)
    job_id = await db.write(_submit, me, p["dossier"], envois, p | {"avant": None} | choices)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return job_id


def _submit(conn: Connection, me: Identity, folder: str, envois, p: dict) -> int:
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
    job = await import_job(db, job_id, me)
    resultat = _checked(job)
    if not resultat.get("a_confirmer"):
        raise Conflict("rien-a-confirmer", f"La vérification n° {job_id} n'attend pas de confirmation.")
    sent = str((await request.form()).get("empreintes") or "")
    if sent != ",".join(e["sha256"] for e in job.parametres["fichiers"]):
        raise Conflict(
            "empreintes-differentes",
            "Les fichiers confirmés ne sont pas ceux qui ont été vérifiés : chargez-les de nouveau.",
        )
    store = request.app.state.stockage.televersements
    await run_in_threadpool(_kept_files, job, store)  # the files are gone: the French 409
    marker = store.key(job.parametres["dossier"], MARKER)
    # One confirmation per check, whatever the app server: the marker is created only if absent.
    if not await run_in_threadpool(store.create, marker, b"en-cours"):
        done = (await run_in_threadpool(store.read_bytes, marker)).decode("ascii", "replace").strip()
        if done.isdigit():
            return RedirectResponse(f"/televersement/{done}", status_code=303)
        raise Conflict("deja-confirme", "Ce remplacement a déjà été confirmé.")
    try:
        new_id = await _queue(request, db, me, job, avant=resultat["avant"])
    except BaseException:
        await run_in_threadpool(store.delete, marker)
        raise
    await run_in_threadpool(store.put_bytes, marker, str(new_id).encode("ascii"))
    return RedirectResponse(f"/televersement/{new_id}", status_code=303)


@router.post("/televersement/{job_id}/reessayer")
async def reessayer(job_id: JobId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db):
    if not jeton_valide:
        raise Forbidden(csrf.REFUS)
    job = await import_job(db, job_id, me)
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
async def abandonner(job_id: JobId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db):
    if not jeton_valide:
        raise Forbidden(csrf.REFUS)
    job = await import_job(db, job_id, me)
    resultat = _checked(job)
    if not resultat.get("importe"):
        store, folder = request.app.state.stockage.televersements, job.parametres["dossier"]
        if not await run_in_threadpool(store.exists, store.key(folder, MARKER)):
            await run_in_threadpool(store.delete_prefix, folder)
    return RedirectResponse("/televersement", status_code=303)


@router.post("/televersement/lots/{lot_id}/annuler")
async def annuler(
    lot_id: LotId, request: Request, jeton_valide: csrf.Checked, me: Comptable, db: Db
) -> Response:
    if not jeton_valide:
        return await _form_page(request, me, db, status=403, erreurs=[csrf.REFUS])
    if not confirmation.given(await request.form()):
        return confirmation.page(
            request,
            question=f"Annuler l'import n° {lot_id} ?",
            detail="Ses données seront supprimées et celles qu'il avait remplacées seront rétablies.",
            action=f"/televersement/lots/{lot_id}/annuler",
            bouton=f"Annuler l'import n° {lot_id}",
            retour="/televersement#historique-titre",
            page_active="/televersement",
        )
    try:
        await db.write_data(_undo, lot_id, me)
    except annulation.AnnulationImpossible as e:
        if str(e).startswith("Aucun import"):
            raise NotFound("import-introuvable", str(e)) from None
        return await _form_page(request, me, db, status=409, erreurs=[str(e)])
    return RedirectResponse(f"/televersement?annule={lot_id}#historique-titre", status_code=303)


def _undo(conn: Connection, lot_id: int, me: Identity) -> None:
    annulation.annuler(conn, lot_id, me.user, me.region, apres=apres_import)
