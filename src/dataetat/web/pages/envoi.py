"""The files of an upload form saved to disk, with their sha256 and size, under a size limit.

    envois = save_uploads(folder, {"ae": upload_ae, "cp": upload_cp}, limit_bytes)
    dossier, envois = store_uploads(store, {"ae": …}, limit_bytes)   # into the uploads store
    refus = await antivirus_refusal(request, {"ae": …})               # before either: (status, message)

Each file goes to `folder/<field>/<its name>`: an AE and a CP file of the same name do not collide,
and the import report names each file as the user knows it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from dataetat import scratch
from dataetat.antivirus import Antivirus, AntivirusIndisponible, Infecte, chunks_of
from dataetat.jobs.import_fichiers import Envoi
from dataetat.jobs.noms import display_name, safe_name
from dataetat.stockage import Store

CHUNK = 1024 * 1024
log = logging.getLogger("dataetat.antivirus")


class TooLarge(Exception):
    """The upload is larger than the limit (its files are removed)."""


def save_uploads(folder: Path, uploads: dict[str, tuple[str, BinaryIO]], limit: int) -> list[Envoi]:
    """Copy each `(filename, stream)` to disk; raise TooLarge (and leave nothing) beyond `limit`
    bytes for all files together."""
    envois, used = [], 0
    try:
        for field, (filename, stream) in uploads.items():
            name = safe_name(filename, field)
            target = folder / field / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with target.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if used + size > limit:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
            used += size
            shown = display_name(filename, field)
            envois.append(Envoi(str(target.resolve()), shown, field, digest.hexdigest(), size))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return envois


def store_uploads(
    store: Store, uploads: dict[str, tuple[str, BinaryIO]], limit: int
) -> tuple[str, list[Envoi]]:
    """Save the files of a form into the uploads store, under a new upload folder; returns its key
    and the files (their `chemin` is their key). An object store receives them from a scratch copy,
    each file whole or not at all; nothing is left when one is too large."""
    name = f"envoi-{uuid.uuid4().hex}"
    dossier = store.key(name)
    local = store.local_path(dossier)
    if local is not None:
        return dossier, save_uploads(local, uploads, limit)
    work = scratch.make("import")
    try:
        stored = []
        for envoi in save_uploads(work / name, uploads, limit):
            key = store.key(name, envoi.champ, Path(envoi.chemin).name)
            store.put(key, Path(envoi.chemin))
            stored.append(replace(envoi, chemin=key))
        return dossier, stored
    except BaseException:
        store.delete_prefix(dossier)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def scan_uploads(antivirus: Antivirus, uploads: dict[str, tuple[str, BinaryIO]]) -> None:
    """Stream each file of a form to clamd (raises Infecte or AntivirusIndisponible), then rewind it."""
    for field, (filename, stream) in uploads.items():
        stream.seek(0)
        antivirus.check(display_name(filename, field), chunks_of(stream, CHUNK))
        stream.seek(0)


def scan_stored(antivirus: Antivirus, store: Store, envois: list[Envoi]) -> None:
    """Stream each file of the uploads store to clamd (a resumable upload, once assembled)."""
    for envoi in envois:
        antivirus.check(envoi.nom, store.iter(envoi.chemin))


async def antivirus_refusal(
    request: Request, uploads: dict[str, tuple[str, BinaryIO]]
) -> tuple[int, str] | None:
    """When ClamAV is configured (setting `clamav`), every file of a form is scanned before anything
    is stored: (422, why) when a signature is found, (503, why) when no verdict could be had
    (fail-closed); None when the files may be stored."""
    return await _refusal(request, scan_uploads, uploads)


async def antivirus_refusal_stored(
    request: Request, store: Store, envois: list[Envoi]
) -> tuple[int, str] | None:
    """The same for files already in the uploads store, before their import is queued."""
    return await _refusal(request, scan_stored, store, envois)


async def _refusal(request: Request, scan, *args) -> tuple[int, str] | None:
    antivirus = request.app.state.antivirus
    if antivirus is None:
        return None
    try:
        await run_in_threadpool(scan, antivirus, *args)
    except Infecte as e:
        log.warning("envoi refusé : « %s » porte la signature %s", e.fichier, e.signature)
        return 422, str(e)
    except AntivirusIndisponible as e:
        log.error("envoi refusé faute d'analyse antivirus : %s", e, exc_info=e.__cause__ is not None)
        return 503, str(e)
    return None
