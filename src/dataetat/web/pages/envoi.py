"""The files of an upload form saved to disk, with their sha256 and size, under a size limit.

    envois = save_uploads(folder, {"ae": upload_ae, "cp": upload_cp}, limit_bytes)

Each file goes to `folder/<field>/<its name>`: an AE and a CP file of the same name do not collide,
and the import report names each file as the user knows it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from dataetat.jobs.imports import Envoi

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class TooLarge(Exception):
    """The upload is larger than the limit (its files are removed)."""


def safe_name(filename: str, field: str) -> str:
    """The last part of the name the browser sent, without characters a file system refuses."""
    name = _UNSAFE.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name[-200:] or f"fichier-{field}.csv"


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
            envois.append(Envoi(str(target.resolve()), name, field, digest.hexdigest(), size))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return envois
