"""The files of an upload form saved to disk, with their sha256 and size, under a size limit.

    envois = save_uploads(folder, {"ae": upload_ae, "cp": upload_cp}, limit_bytes)
    dossier, envois = store_uploads(store, {"ae": …}, limit_bytes)   # into the uploads store

Each file goes to `folder/<field>/<its name>`: an AE and a CP file of the same name do not collide,
and the import report names each file as the user knows it.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from dataetat import scratch
from dataetat.jobs.imports import Envoi
from dataetat.jobs.noms import display_name, safe_name
from dataetat.stockage import Store

CHUNK = 1024 * 1024


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
