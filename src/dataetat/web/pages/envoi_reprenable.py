"""Resumable uploads of the page « Charger les données » (static/app/envoi-reprenable.js): large
Chorus files (1–2 GB over préfecture networks) sent in chunks that survive a cut connection.

    POST   /televersement/envois                 JSON {annee, region, garder_valides, fichiers:
                                                 [{champ, nom, taille}]} → 201 the session (its id,
                                                 the chunk size); 409 « un import est déjà prévu »
    GET    /televersement/envois/{id}            the session and the bytes received of each file
    PUT    /televersement/envois/{id}/{champ}    one chunk, raw bytes, at `Upload-Offset`; the same
                                                 chunk twice changes nothing; another offset → 409
                                                 with the expected one (`Upload-Offset` too); with
                                                 `X-Empreinte-Morceau`, a chunk of another sha256
                                                 is refused (400 morceau-altere)
    POST   /televersement/envois/{id}/terminer   every chunk there: 202 at once, the assembly queued
                                                 (jobs/assemblage.py: chunks concatenated, sha256,
                                                 antivirus, then the import queued); `Location` and
                                                 `statut`: the session, to ask until `lien` names
                                                 the import's page (or `assemblage.statut` is
                                                 « echec », `assemblage.erreur` saying why); 200
                                                 when the import is already queued
    DELETE /televersement/envois/{id}            abandoned: its chunks are removed

Every request carries the page's CSRF token (`X-CSRF-Token`) and is the session owner's
(COMPTABLE, ADMIN): anybody else's session is « introuvable ». Sessions live in the uploads store
(jobs/envois.py), so any app server takes any chunk; what a session answers is shaped by
web/pages/envoi_etat.py.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from dataetat import scratch
from dataetat.jobs import assemblage, envois
from dataetat.web import csrf
from dataetat.web.deps import Comptable, Db, Identity
from dataetat.web.errors import Forbidden, error
from dataetat.web.pages.envoi_etat import already_planned, answer, assembly_of, pending, public_state
from dataetat.web.pages.televersement import _choices, _limit

router = APIRouter(include_in_schema=False)
_ID = re.compile(r"^[0-9a-f]{32}$")
OFFSET = "Upload-Offset"
DIGEST = "X-Empreinte-Morceau"  # optional: the sha256 (hex) of the chunk, checked before it is kept


async def _checked(request: Request) -> None:
    if not await csrf.matches(request):
        raise Forbidden(csrf.REFUS)


def _store(request: Request):
    return request.app.state.stockage.televersements


def _settings(request: Request):
    return request.app.state.settings


def _files(body: dict) -> tuple[list[envois.Fichier], list[str]]:
    fichiers, erreurs = [], []
    for item in body.get("fichiers") or []:
        champ, nom, taille = item.get("champ"), str(item.get("nom") or ""), item.get("taille")
        if champ not in envois.CHAMPS or any(f.champ == champ for f in fichiers):
            erreurs.append("Chaque fichier est l'un des engagements (AE) ou des paiements (CP), une fois.")
        elif not isinstance(taille, int) or isinstance(taille, bool) or taille <= 0:
            erreurs.append(f"Le fichier « {nom} » est vide.")
        else:
            fichiers.append(envois.Fichier(champ, nom, taille))
    if not fichiers and not erreurs:
        erreurs.append("Choisissez au moins un fichier : engagements (AE) ou paiements (CP).")
    return fichiers, erreurs


@router.post("/televersement/envois")
async def creer(request: Request, me: Comptable, db: Db):
    await _checked(request)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return error(400, "envoi-invalide", "Demande d'envoi illisible (JSON attendu).")
    valeurs, erreurs = _choices(body, me)
    fichiers, more = _files(body)
    erreurs += more
    settings = _settings(request)
    if sum(f.taille for f in fichiers) > _limit(request):
        erreurs.append(
            f"Envoi trop volumineux : au plus {settings.televersement_taille_max_mo} Mo pour les deux fichiers."
        )
    if erreurs:
        return error(400, "envoi-invalide", " ".join(erreurs))
    prevu = await db.read(already_planned, me, valeurs["region_choisie"], valeurs["annee_choisie"])
    if prevu:
        return error(409, "import-deja-prevu", prevu)
    store = _store(request)
    await run_in_threadpool(envois.sweep, store, settings.envoi_expiration_heures * 3600)
    s = await run_in_threadpool(
        lambda: envois.create(
            store,
            me.user,
            me.region,
            annee=valeurs["annee_choisie"],
            region=valeurs["region_choisie"],
            garder_valides=valeurs["garder_valides"],
            fichiers=fichiers,
            morceau=max(1024, int(settings.envoi_morceau_mo * 1024 * 1024)),
        )
    )
    location = f"/televersement/envois/{s.id}"
    return JSONResponse(
        public_state(s, {f.champ: 0 for f in fichiers}, None, False),
        status_code=201,
        headers={"Location": location},
    )


async def _session(request: Request, me: Identity, session_id: str) -> envois.Session | JSONResponse:
    missing = error(
        404, "envoi-introuvable", "Envoi introuvable parmi les vôtres : recommencez le chargement."
    )
    if not _ID.match(session_id):
        return missing
    s = await run_in_threadpool(envois.load, _store(request), session_id, me.user)
    if s is None:
        return missing
    seconds = _settings(request).envoi_expiration_heures * 3600
    if await run_in_threadpool(envois.expired, _store(request), s, seconds):
        await run_in_threadpool(envois.remove, _store(request), s.id)
        return error(
            410,
            "envoi-expire",
            "Cet envoi a expiré et ses morceaux ont été effacés : recommencez le chargement.",
        )
    return s


@router.get("/televersement/envois/{session_id}")
async def etat(session_id: str, request: Request, me: Comptable, db: Db):
    s = await _session(request, me, session_id)
    if isinstance(s, JSONResponse):
        return s
    return await answer(request, db, s, me, status=200)


async def _receive(request: Request, target: Path, expected: int) -> tuple[int, str] | None:
    """Write the request body to `target`; its size and sha256, or None when the client went away
    (then the chunk is dropped: a cut connection stores nothing) or sent more than expected."""
    size, digest = 0, hashlib.sha256()
    try:
        with target.open("wb") as out:
            async for piece in request.stream():
                size += len(piece)
                if size > expected:
                    return None
                digest.update(piece)
                out.write(piece)
    except ClientDisconnect:
        return None
    return size, digest.hexdigest()


@router.put("/televersement/envois/{session_id}/{champ}")
async def morceau(session_id: str, champ: str, request: Request, me: Comptable):
    await _checked(request)
    s = await _session(request, me, session_id)
    if isinstance(s, JSONResponse):
        return s
    offset_text = request.headers.get(OFFSET, "")
    if not (offset_text.isascii() and offset_text.isdigit()):
        return error(400, "decalage-invalide", f"En-tête {OFFSET} manquant ou invalide.")
    offset = int(offset_text)
    try:
        expected = envois.expected_length(s, champ, offset)
    except envois.MorceauInvalide as e:
        return error(404, "fichier-introuvable", str(e))
    work = scratch.make("import")
    try:
        got = await _receive(request, work / "morceau", expected)
        if got is None:
            return error(
                400, "morceau-incomplet", "Morceau interrompu ou trop long : reprenez au dernier octet reçu."
            )
        sent_digest = request.headers.get(DIGEST, "").strip().lower()
        if sent_digest and sent_digest != got[1]:
            return error(
                400, "morceau-altere", "Morceau altéré en route (empreinte SHA-256 différente) : renvoyez-le."
            )
        try:
            recu = await run_in_threadpool(
                envois.put_chunk, _store(request), s, champ, offset, work / "morceau"
            )
        except envois.Decalage as e:
            return JSONResponse(
                {"erreur": {"code": "decalage", "message": str(e)}, "attendu": e.attendu},
                status_code=409,
                headers={OFFSET: str(e.attendu)},
            )
        except envois.MorceauInvalide as e:
            return error(400, "morceau-incomplet", str(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return JSONResponse({"champ": champ, "recu": recu}, headers={OFFSET: str(recu)})


@router.post("/televersement/envois/{session_id}/terminer")
async def terminer(session_id: str, request: Request, me: Comptable, db: Db):
    await _checked(request)
    s = await _session(request, me, session_id)
    if isinstance(s, JSONResponse):
        return s
    store = _store(request)
    current = await db.read(assembly_of, s)
    if s.tache is not None or pending(current):  # a retried « terminer » (its answer was lost)
        return await answer(request, db, s, me)
    if not await run_in_threadpool(envois.complete, store, s):
        return error(409, "envoi-incomplet", "Tous les morceaux ne sont pas arrivés : reprenez l'envoi.")
    prevu = await db.read(already_planned, me, s.region, s.annee)
    if prevu:
        return error(409, "import-deja-prevu", prevu)
    if not await run_in_threadpool(envois.claim_assembly, store, s):
        return error(
            409,
            "assemblage-en-cours",
            "Ces fichiers sont en cours d'assemblage : patientez puis rechargez la page.",
        )
    try:
        job_id = await db.write(lambda conn: assemblage.submit(conn, s))
        s.extra["assemblage"] = job_id
        await run_in_threadpool(envois.save, store, s)
    except BaseException:
        await run_in_threadpool(envois.release_assembly, store, s)
        raise
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return await answer(request, db, s, me)


@router.delete("/televersement/envois/{session_id}", status_code=204)
async def abandonner(session_id: str, request: Request, me: Comptable):
    await _checked(request)
    s = await _session(request, me, session_id)
    if isinstance(s, JSONResponse):
        return s
    await run_in_threadpool(envois.remove, _store(request), s.id)
