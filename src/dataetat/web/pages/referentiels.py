"""« Référentiels »: what each referential table holds, and a form to load a new version of one
(COG, calculette Chorus, centres de coûts, codes postaux…), read by the same readers as
`dataetat import referentiel KIND FILE`. A referential is small: it is loaded during the request,
in one transaction that also rebuilds the read model; a refused file changes nothing.
The accounts issue restricts the form to ADMIN at the identity dependency."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from dataetat import scratch
from dataetat.query.apres_import import apres_import
from dataetat.query.referentiels import counts
from dataetat.referentiels.readers import KIND_HELP, READERS, ReferentielError
from dataetat.store import audit
from dataetat.store import enrichissement as enrichment
from dataetat.store import referentiels as store
from dataetat.web import csrf
from dataetat.web.deps import Admin, Db
from dataetat.web.pages.envoi import TooLarge, antivirus_refusal, save_uploads
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)


def _load(conn, frames, settings) -> dict[str, int]:
    """The referential, then what every change of the lines runs (tags, open cells), as the CLI does:
    one transaction."""
    loaded = store.load(conn, frames)
    apres_import(conn, settings)
    return loaded


LIMIT = 200 * 1024 * 1024  # the biggest referential (communes, calculette) is a few MB


async def _page(request: Request, db: Db, *, status: int = 200, **context) -> HTMLResponse:
    token = csrf.token(request)
    response = templates.TemplateResponse(
        request,
        "referentiels.html",
        {
            "page_active": "/televersement",
            "comptes": await db.read(counts),
            "enrichissement": await db.read(enrichment.resume),
            "types": KIND_HELP,
            "csrf": token,
            "csrf_champ": csrf.FIELD,
            **context,
        },
        status_code=status,
    )
    return csrf.with_cookie(response, request, token)


def _journal(conn, me, details: dict, resultat: str) -> None:
    audit.record(conn, "referentiel", me.user, region=me.region, details=details, resultat=resultat)


@router.get("/referentiels", response_class=HTMLResponse)
async def page(request: Request, db: Db):
    return await _page(request, db)


@router.post("/referentiels", response_class=HTMLResponse)
async def charger(request: Request, jeton_valide: csrf.Checked, me: Admin, db: Db):
    if not jeton_valide:
        return await _page(request, db, status=403, erreur=csrf.REFUS)
    form = await request.form()
    kind, upload = str(form.get("type") or ""), form.get("fichier")
    if kind not in READERS:
        return await _page(request, db, status=400, erreur="Choisissez le type de référentiel.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, db, status=400, erreur="Choisissez le fichier à charger.", choisi=kind)
    if refus := await antivirus_refusal(request, {"fichier": (upload.filename, upload.file)}):
        return await _page(request, db, status=refus[0], erreur=refus[1], choisi=kind)
    with tempfile.TemporaryDirectory(prefix=scratch.prefix("referentiel")) as folder:
        try:
            (envoi,) = await run_in_threadpool(
                save_uploads, Path(folder), {"fichier": (upload.filename, upload.file)}, LIMIT
            )
            frames = await run_in_threadpool(READERS[kind], Path(envoi.chemin))
        except TooLarge:
            message = f"Fichier trop volumineux : {LIMIT // 1024 // 1024} Mo au plus."
            return await _page(request, db, status=413, erreur=message, choisi=kind)
        except ReferentielError as e:
            details = {"type": kind, "fichier": envoi.nom, "sha256": envoi.sha256, "motif": str(e)}
            await db.write(_journal, me, details, audit.REFUSE)
            # the message names the file as saved on disk: show the name the user sent instead
            saved, sent = Path(envoi.chemin).name, envoi.nom
            message = str(e).replace(f"«\u00a0{saved}\u00a0»", f"«\u00a0{sent}\u00a0»")
            return await _page(request, db, status=400, erreur=message, choisi=kind)
    loaded = await db.write_data(_load, frames, request.app.state.settings)
    details = {"type": kind, "fichier": envoi.nom, "sha256": envoi.sha256, "tables": loaded}
    await db.write(_journal, me, details, audit.OK)
    return await _page(request, db, charge={"type": kind, "fichier": envoi.nom, "tables": loaded})
