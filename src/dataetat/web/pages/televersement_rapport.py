"""The page of an import job of « Charger les données » (web/pages/televersement.py queues it): its
progress, then its report (totals, each file, errors by line and column, warnings) — or, when the
files would replace data already there, what they replace and « Confirmer le remplacement »
(web/pages/remplacement.py: confirm, try again with another exercice, undo the last import); and
the downloads of what it left out.

    GET  /televersement/{id}                       progress, then the report
    GET  /televersement/{id}/etat                  the fragment htmx polls every second while the job runs
    GET  /televersement/{id}/lignes-ecartees.csv   the rejected lines, when the option kept them
    GET  /televersement/{id}/marches-ecartes.csv   a DECP import that kept the valid marchés: the
    GET  /televersement/{id}/marches-ecartes.json  errors of those it left out (also on the report)
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from dataetat.jobs import decp_rejets, import_fichiers
from dataetat.jobs import imports as import_jobs
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.deps import CurrentIdentity, Db, Identity
from dataetat.web.errors import NotFound
from dataetat.web.pages.televersement import PREMIERE_ANNEE, JobId, region_labels
from dataetat.web.pages.templating import templates
from dataetat.web.stockes import stream_stored

router = APIRouter(include_in_schema=False)
HTMX_STOP_POLLING = 286


async def import_job(db: Db, job_id: int, me: Identity) -> taches.Tache:
    job = await db.read(taches.get, job_id, me.user)
    if job is None or job.type != import_jobs.TYPE:
        raise NotFound("import-introuvable", f"Aucun import {job_id} parmi les vôtres.")
    db.note_job(job)  # read-your-writes: the next searches wait for a replica to have the import
    return job


async def _job_context(request: Request, db: Db, job: taches.Tache) -> dict:
    fini = job.statut in (taches.TERMINEE, taches.ECHEC)
    r = job.resultat or {}
    flux = r.get("comparaison") or []
    return {
        "job": job,
        "fini": fini,
        "r": job.resultat,
        "csrf": csrf.token(request),
        "csrf_champ": csrf.FIELD,
        "annees": list(range(date.today().year, PREMIERE_ANNEE - 1, -1)),
        # a check waiting for a confirmation, or refused: its files are kept for the next step
        "fichiers_gardes": fini
        and not r.get("importe")
        and await run_in_threadpool(
            import_fichiers.files_kept, job, request.app.state.stockage.televersements
        ),
        "empreintes": ",".join(e["sha256"] for e in job.parametres.get("fichiers", [])),
        "libelles_regions": await db.read(region_labels, {f["source_region"] for f in flux}),
        # the enrichment of the new beneficiaries this import queued (jobs/enrichissement.py)
        "enrichissement": await db.read(taches.get, r["enrichissement"], job.proprietaire)
        if r.get("enrichissement")
        else None,
    }


@router.get("/televersement/{job_id}", response_class=HTMLResponse)
async def rapport(job_id: JobId, request: Request, me: CurrentIdentity, db: Db):
    job = await import_job(db, job_id, me)
    context = {"page_active": "/televersement", **await _job_context(request, db, job)}
    response = templates.TemplateResponse(request, "televersement_rapport.html", context)
    return csrf.with_cookie(response, request, context["csrf"])


@router.get("/televersement/{job_id}/etat", response_class=HTMLResponse)
async def etat(job_id: JobId, request: Request, me: CurrentIdentity, db: Db):
    job = await import_job(db, job_id, me)
    context = await _job_context(request, db, job) | {"fragment": True}
    # 286: htmx stops polling (and shows the report) once the job is over.
    status = HTMX_STOP_POLLING if context["fini"] else 200
    response = templates.TemplateResponse(request, "_import_etat.html", context, status_code=status)
    return csrf.with_cookie(response, request, context["csrf"])


@router.get("/televersement/{job_id}/lignes-ecartees.csv")
async def lignes_ecartees(job_id: JobId, request: Request, me: CurrentIdentity, db: Db) -> Response:
    job = await import_job(db, job_id, me)
    store = request.app.state.stockage.televersements
    missing = NotFound("rejets-introuvables", f"L'import {job_id} n'a pas de lignes écartées.")
    key = import_fichiers.rejects_of(job, store)
    if key is None:
        raise missing
    return await stream_stored(
        store, key, "text/csv; charset=utf-8", f"lignes-ecartees-{job_id}.csv", missing
    )


def _rejected_marches(job: taches.Tache) -> dict:
    rejets = ((job.resultat or {}).get("decp") or {}).get("marches_rejetes")
    if not rejets:
        raise NotFound("rejets-introuvables", f"L'import {job.id} n'a pas écarté de marchés.")
    return rejets


@router.get("/televersement/{job_id}/marches-ecartes.csv")
async def marches_ecartes_csv(job_id: JobId, me: CurrentIdentity, db: Db) -> Response:
    rejets = _rejected_marches(await import_job(db, job_id, me))
    return Response(
        decp_rejets.csv_text(rejets["lignes"]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="marches-ecartes-{job_id}.csv"'},
    )


@router.get("/televersement/{job_id}/marches-ecartes.json")
async def marches_ecartes_json(job_id: JobId, me: CurrentIdentity, db: Db) -> Response:
    rejets = _rejected_marches(await import_job(db, job_id, me))
    return JSONResponse(
        {
            "marches_ecartes": rejets["nombre"],
            "constats": rejets["lignes"],
            "non_detailles": rejets["non_affiches"],
        },
        headers={"Content-Disposition": f'attachment; filename="marches-ecartes-{job_id}.json"'},
    )
