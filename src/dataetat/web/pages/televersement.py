"""The upload page, « Charger les données »: Chorus AE and CP files with their exercice and région,
imported as a job by the real importer; the page follows the job (htmx polls a fragment every
second), then shows the import report (totals, each file, errors by line and column, warnings);
below the form, the history of imports.

    GET  /televersement                            the form and the history
    POST /televersement                            save the files, queue the check, 303 to its page
                                                   (web/pages/televersement_rapport.py)
    POST /televersement/sources                    one file of another source (ADEME, France 2030,
                                                   QPV lieu d'action; ADMIN also QPV contours,
                                                   SIRET → QPV, PVD, ACV, manual tags, DECP: strict, or
                                                   « Importer les marchés valides et écarter les
                                                   autres »), same job page

The form is protected against cross-site requests (web/csrf.py). The région of a regional
identity is its own; a national identity chooses it, or « fichier national ». Only COMPTABLE and
ADMIN reach the form (a USERS gets the French 403 page, and no link to it).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile

from dataetat.jobs import imports as import_jobs
from dataetat.query import lookups
from dataetat.query.imports import history
from dataetat.store import annulation
from dataetat.store.sources_import import KINDS, LABELS
from dataetat.web import csrf
from dataetat.web.deps import ROLE_RANK, Comptable, Db, Identity
from dataetat.web.errors import Forbidden
from dataetat.web.pages.envoi import TooLarge, antivirus_refusal, store_uploads
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
JobId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]
NATIONAL = "nationale"
PREMIERE_ANNEE = 2015


def _limit(request: Request) -> int:
    return request.app.state.settings.televersement_taille_max_mo * 1024 * 1024


def _too_large(request: Request) -> bool:
    """Known before the body is read (browsers always send Content-Length with a form)."""
    length = request.headers.get("content-length", "")
    return length.isascii() and length.isdigit() and int(length) > _limit(request)


TooLargeRequest = Annotated[bool, Depends(_too_large)]


def region_labels(conn: Connection, codes) -> dict[str, str]:
    """code → "code - libellé" of these régions (the comparison of a replacement, the history)."""
    codes = sorted({c for c in codes if c})
    return {z["code"]: z["label"] for z in lookups.chosen(conn, "zones/region", codes)} if codes else {}


def _form_data(conn: Connection, region: str | None) -> dict:
    regions = [] if region else lookups.zones(conn, "region", None, lookups.LIMITE_MAX)
    own = lookups.chosen(conn, "zones/region", [region]) if region else []
    historique = history(conn, region)
    annulables = annulation.annulables(conn, region)
    return {
        "regions": regions,
        "region_identite": own[0]["label"] if own else region,
        "historique": historique,
        "lots": annulation.lots_of_imports(conn, [i.id for i in historique]),
        "annulables": annulables,
        "libelles_regions": region_labels(
            conn,
            {f.source_region for lot in annulables for f in lot.flux}
            | {c for i in historique for c in (i.source_region or "").split(",")},
        ),
    }


async def _form_page(
    request: Request,
    me: Identity,
    db: Db,
    *,
    status: int = 200,
    erreurs=(),
    valeurs=None,
    titre_erreurs: str = "Le chargement n'a pas pu commencer",
) -> Response:
    token = csrf.token(request)
    this_year = date.today().year
    context = {
        "page_active": "/televersement",
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        "annees": list(range(this_year, PREMIERE_ANNEE - 1, -1)),
        "national": NATIONAL,
        "erreurs": list(erreurs),
        "titre_erreurs": titre_erreurs,
        "annule": request.query_params.get("annule", ""),
        "v": valeurs or {},
        "taille_max_mo": request.app.state.settings.televersement_taille_max_mo,
        "sources": [{"code": k, "label": LABELS[k]} for k in _sources_of(me)],
        **await db.read(_form_data, me.region),
    }
    response = templates.TemplateResponse(request, "televersement.html", context, status_code=status)
    return csrf.with_cookie(response, request, token)


@router.get("/televersement", response_class=HTMLResponse)
async def televersement(request: Request, me: Comptable, db: Db):
    return await _form_page(request, me, db)


def _choices(form, me: Identity) -> tuple[dict, list[str]]:
    """The exercice and région asked for, checked; French messages for what is wrong."""
    erreurs, valeurs = (
        [],
        {
            "annee": str(form.get("annee") or ""),
            "region": str(form.get("region") or ""),
            "garder_valides": form.get("garder_valides") == "oui",
        },
    )
    annee = None
    if valeurs["annee"]:
        if (
            not (valeurs["annee"].isascii() and valeurs["annee"].isdigit())
            or not 2000 <= int(valeurs["annee"]) <= 2100
        ):
            erreurs.append(f"Exercice « {valeurs['annee']} » invalide : choisissez une année de la liste.")
        else:
            annee = int(valeurs["annee"])
    if me.region:
        region = me.region
    elif valeurs["region"] == NATIONAL:
        region = None
    elif valeurs["region"].isascii() and valeurs["region"].isdigit() and len(valeurs["region"]) <= 3:
        region = valeurs["region"]
    else:
        region = None
        erreurs.append(
            "Choisissez la région des fichiers (ou « fichier national » pour un extrait national)."
        )
    valeurs |= {"annee_choisie": annee, "region_choisie": region}
    return valeurs, erreurs


@router.post("/televersement")
async def envoyer(
    request: Request, trop_gros: TooLargeRequest, jeton_valide: csrf.Checked, me: Comptable, db: Db
):
    settings = request.app.state.settings
    if trop_gros:
        message = f"Envoi trop volumineux : au plus {settings.televersement_taille_max_mo} Mo pour les deux fichiers."
        return await _form_page(request, me, db, status=413, erreurs=[message])
    if not jeton_valide:
        return await _form_page(request, me, db, status=403, erreurs=[csrf.REFUS])
    form = await request.form()
    valeurs, erreurs = _choices(form, me)
    uploads = {
        field: (upload.filename, upload.file)
        for field in ("ae", "cp")
        if isinstance(upload := form.get(f"fichier_{field}"), UploadFile) and upload.filename
    }
    if not uploads:
        erreurs.insert(0, "Choisissez au moins un fichier : engagements (AE) ou paiements (CP).")
    if erreurs:
        return await _form_page(request, me, db, status=400, erreurs=erreurs, valeurs=valeurs)
    if refus := await antivirus_refusal(request, uploads):
        return await _form_page(request, me, db, status=refus[0], erreurs=[refus[1]], valeurs=valeurs)
    store = request.app.state.stockage.televersements
    try:
        folder, envois = await run_in_threadpool(store_uploads, store, uploads, _limit(request))
    except TooLarge:
        message = f"Envoi trop volumineux : au plus {settings.televersement_taille_max_mo} Mo pour les deux fichiers."
        return await _form_page(request, me, db, status=413, erreurs=[message], valeurs=valeurs)
    submit = partial(
        import_jobs.submit,
        annee=valeurs["annee_choisie"],
        region_fichiers=valeurs["region_choisie"],
        garder_valides=valeurs["garder_valides"],
    )
    job_id = await db.write(submit, me.user, me.region, folder, envois)
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return RedirectResponse(f"/televersement/{job_id}", status_code=303)


def _sources_of(me: Identity) -> list[str]:
    """The other sources this identity may import: administrators only. Each file reaches beyond
    a région — the aid of every région for its years (ADEME, France 2030), the QPV split of any EJ,
    referentials — while a comptable's Chorus upload stays within their région."""
    return list(KINDS) if ROLE_RANK.get(me.role, 0) >= ROLE_RANK["ADMIN"] else []


@router.post("/televersement/sources")
async def envoyer_source(
    request: Request, trop_gros: TooLargeRequest, jeton_valide: csrf.Checked, me: Comptable, db: Db
):
    settings = request.app.state.settings
    too_large = f"Envoi trop volumineux : au plus {settings.televersement_taille_max_mo} Mo."
    if trop_gros:
        return await _form_page(request, me, db, status=413, erreurs=[too_large])
    if not jeton_valide:
        return await _form_page(request, me, db, status=403, erreurs=[csrf.REFUS])
    form = await request.form()
    kind = str(form.get("source") or "")
    valeurs = {
        "source": kind,
        "decoupage": str(form.get("decoupage") or ""),
        "decp_mode": "garder" if form.get("decp_mode") == "garder" else "strict",
    }
    if kind in KINDS and kind not in _sources_of(me):
        raise Forbidden(
            "Ces fichiers concernent toutes les régions : leur chargement est réservé aux administrateurs."
        )
    erreurs = []
    if kind not in KINDS:
        erreurs.append("Choisissez le type de fichier.")
    decoupage = None
    if valeurs["decoupage"]:
        if valeurs["decoupage"] not in ("2015", "2024"):
            erreurs.append("Découpage des QPV : 2015 ou 2024.")
        else:
            decoupage = int(valeurs["decoupage"])
    upload = form.get("fichier")
    if not (isinstance(upload, UploadFile) and upload.filename):
        erreurs.append("Choisissez le fichier à importer.")
    if erreurs:
        return await _form_page(request, me, db, status=400, erreurs=erreurs, valeurs=valeurs)
    store = request.app.state.stockage.televersements
    sent = {kind: (upload.filename, upload.file)}
    if refus := await antivirus_refusal(request, sent):
        return await _form_page(request, me, db, status=refus[0], erreurs=[refus[1]], valeurs=valeurs)
    try:
        folder, envois = await run_in_threadpool(store_uploads, store, sent, _limit(request))
    except TooLarge:
        return await _form_page(request, me, db, status=413, erreurs=[too_large], valeurs=valeurs)
    garder = kind == "decp" and valeurs["decp_mode"] == "garder"
    job_id = await db.write(
        import_jobs.submit_source, me.user, me.region, folder, envois[0], kind, decoupage, garder
    )
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return RedirectResponse(f"/televersement/{job_id}", status_code=303)
