"""Exports: direct downloads of a search (lines, groups, pivot) and export jobs ("Mes exports").

CSV streams at once whatever the size; XLSX and ODS of more than 50,000 lines are refused as direct
downloads and run as jobs instead (POST), listed by GET /api/v1/exports, downloaded when done.
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from dataetat import exports, scratch
from dataetat.exports import tables
from dataetat.exports.nom import file_name
from dataetat.jobs import exports as export_jobs
from dataetat.jobs import journal
from dataetat.query.params import QueryError, params_from_query
from dataetat.query.search import count, search
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.api import contrat
from dataetat.web.api.lignes import pivot_of
from dataetat.web.deps import CurrentIdentity, Db, Lecture, SearchQuery
from dataetat.web.errors import Conflict, NotFound
from dataetat.web.stockes import stream_stored

router = APIRouter(prefix="/api/v1/exports")
JobId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]


def _format(fmt: str) -> exports.Format:
    if fmt not in exports.FORMATS:
        raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
    return exports.FORMATS[fmt]


class _Counted:
    """Wraps a generator of frames, counting the lines that went through it (for the audit)."""

    def __init__(self, pages) -> None:
        self.pages, self.lines = pages, 0

    def __call__(self, *args):
        for page in self.pages(*args):
            yield page
            self.lines += page.height


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/lignes.{fmt}", **contrat.search_route())
async def export_lignes(fmt: str, query: SearchQuery, me: CurrentIdentity, db: Lecture):
    """Every line of a search, chosen columns in their order (`colonnes`), French headers. CSV
    streams at once; XLSX, ODS and Parquet are written to a temporary file, then sent; XLSX and
    ODS beyond 50,000 lines: ask for a job (POST on the same address)."""
    media_type = _format(fmt).media_type
    params = params_from_query(query).check()  # refused before the first byte is sent
    names = exports.chosen_columns(params)
    if fmt == "csv":
        counted = _Counted(exports.frames)

        async def stream():
            # A failure mid-way propagates: the server then cuts the connection without the final
            # chunk, so the client sees an incomplete file as an error, never as a whole one.
            async for chunk in db.stream(
                lambda conn: exports.write_csv(exports.header(names), counted(conn, params, me.region, names))
            ):
                yield chunk
            await db.write(journal.record_export, me.user, me.region, query, fmt, counted.lines)

        return StreamingResponse(stream(), media_type=media_type, headers=_attachment(file_name(params, fmt)))
    if fmt in ("xlsx", "ods"):
        lines = await db.read(count, params, me.region)
        if lines > export_jobs.DIRECT_MAX_LINES:
            raise Conflict(
                "export-en-tache",
                f"{lines:,} lignes : au-delà de {export_jobs.DIRECT_MAX_LINES:,} lignes, un export {fmt.upper()} "
                "se prépare en tâche (POST sur cette adresse) puis se télécharge depuis « Mes exports ».".replace(
                    ",", "\u202f"
                ),
            )
    folder = scratch.make("export")
    target = folder / file_name(params, fmt)
    try:
        lines = await db.read(lambda conn: exports.export(conn, fmt, target, params, me.region, names))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    await db.write(journal.record_export, me.user, me.region, query, fmt, lines)
    return FileResponse(
        target,
        media_type=media_type,
        headers=_attachment(target.name),
        background=BackgroundTask(shutil.rmtree, folder),
    )


@router.post("/lignes.{fmt}", status_code=202, dependencies=[csrf.NoForgedPost], **contrat.search_route())
async def export_lignes_en_tache(
    fmt: str, request: Request, query: SearchQuery, me: CurrentIdentity, db: Db
) -> JSONResponse:
    """Queue the export of a search as a job (any format, any size); answers 202 with the job,
    whose `Location` is polled until `statut` is `terminee`, then `…/fichier` downloads it."""
    _format(fmt)
    job_id = await db.write(export_jobs.submit, fmt, query, me.user, me.region)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    job = await db.read(taches.get, job_id, me.user)
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/api/v1/exports/{job_id}"})


@router.get("/groupes.{fmt}", **contrat.search_route())
async def export_groupes(fmt: str, query: SearchQuery, me: CurrentIdentity, db: Lecture) -> FileResponse:
    """The groups of the opened drill-down level (every group, not a page), in a file."""
    _format(fmt)
    params = params_from_query(query)
    if len(params.grouped) >= len(params.grouping):
        raise QueryError(
            "Précisez grouping (et grouped pour descendre d'un niveau) pour exporter des groupes."
        )
    params.page, params.page_size = 1, 100_000
    result = await db.read(search, params, me.region)
    table = tables.groups_table(result.groupes or [])
    await db.write(
        lambda conn: journal.record_export(
            conn, me.user, me.region, query, fmt, len(table[1]), quoi="groupes"
        )
    )
    return await _send_table(fmt, file_name(params, fmt, "groupes"), table)


@router.get("/pivot.{fmt}", **contrat.search_route(*contrat.PIVOT))
async def export_pivot(fmt: str, query: SearchQuery, me: CurrentIdentity, db: Lecture) -> FileResponse:
    """The tableau dynamique of a search, with its totals, in a file."""
    _format(fmt)
    table = tables.pivot_table(await pivot_of(query, me, db))
    search_query = {k: v for k, v in query.items() if k not in ("lignes", "colonnes", "valeur")}
    name = file_name(params_from_query(search_query), fmt, "tableau")
    await db.write(
        lambda conn: journal.record_export(
            conn, me.user, me.region, query, fmt, len(table[1]), quoi="tableau"
        )
    )
    return await _send_table(fmt, name, table)


async def _send_table(fmt: str, name: str, table) -> FileResponse:
    folder = scratch.make("export")
    target = folder / name
    try:
        await run_in_threadpool(tables.write_table, fmt, table, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type=exports.FORMATS[fmt].media_type,
        headers=_attachment(target.name),
        background=BackgroundTask(shutil.rmtree, folder),
    )


# --- Mes exports ------------------------------------------------------------------------------


@router.get("")
async def mes_exports(me: CurrentIdentity, db: Db) -> list[dict]:
    """Your export jobs, newest first: status, progress, size, link to the file when done."""
    return [_public(job) for job in await db.read(taches.list_of, me.user, export_jobs.TYPE)]


@router.get("/{job_id}")
async def un_export(job_id: JobId, me: CurrentIdentity, db: Db) -> dict:
    return _public(await _job(db, job_id, me.user))


@router.get("/{job_id}/fichier")
async def fichier(job_id: JobId, request: Request, me: CurrentIdentity, db: Db) -> Response:
    job = await _job(db, job_id, me.user)
    if job.statut != taches.TERMINEE:
        raise Conflict("export-pas-pret", f"L'export {job_id} n'est pas prêt (statut : {job.statut}).")
    fmt = job.parametres["format"]
    return await stream_stored(
        request.app.state.stockage.exports,
        export_jobs.key_of(job),
        exports.FORMATS[fmt].media_type,
        job.resultat["fichier"],
        NotFound("export-introuvable", f"Le fichier de l'export {job_id} n'existe plus."),
    )


@router.delete("/{job_id}", status_code=204)
async def supprimer(job_id: JobId, request: Request, me: CurrentIdentity, db: Db) -> None:
    job = await _job(db, job_id, me.user)
    if not await db.write(taches.delete, job_id, me.user):
        raise Conflict(
            "export-en-cours", f"L'export {job_id} est en cours : attendez sa fin pour le supprimer."
        )
    await run_in_threadpool(export_jobs.remove_file, request.app.state.stockage, job)


async def _job(db: Db, job_id: int, user: str) -> taches.Tache:
    job = await db.read(taches.get, job_id, user)
    if job is None or job.type != export_jobs.TYPE:
        raise NotFound("export-introuvable", f"Aucun export {job_id} parmi les vôtres.")
    return job


def _public(job: taches.Tache) -> dict:
    body = job.as_dict()
    body["lien"] = f"/api/v1/exports/{job.id}/fichier" if job.statut == taches.TERMINEE else None
    return body
