"""What the open validation (API and page) shares: the file of a request read under a size cap,
and a per-client rate limit shared by every app server (through the database). Both answer in French and never hold more than the cap.

    fichier = await recevoir(request, limite_octets)   # multipart field `fichier`, or the raw body
    attente = limiteur(request).attente(client(request))   # seconds to wait, 0 = go on
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from typing import IO

from sqlalchemy.engine import Engine
from starlette.datastructures import UploadFile
from starlette.requests import Request

from dataetat.store import limiteur as store_limiteur
from dataetat.store.engine import write_retrying

CHAMP = "fichier"
MARGE_MULTIPART = 64 * 1024  # headers and boundaries around the file in a multipart body


class TropGros(Exception):
    """The request's file is larger than the cap."""


@dataclass
class Recu:
    nom: str
    flux: IO[bytes]
    requete: Request  # the request whose body was read (its form, for a page's CSRF field)


async def recevoir(request: Request, limite: int, champ: str = CHAMP) -> Recu | None:
    """The file of `request`: the multipart field `champ`, or the whole body (JSON or XML sent as
    is). None when there is none; TropGros beyond `limite` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    ctype = request.headers.get("content-type", "").lower()
    multipart = ctype.startswith("multipart/form-data")
    marge = MARGE_MULTIPART if multipart else 0
    if declared.isdigit() and int(declared) > limite + marge:
        raise TropGros
    limited = Request(request.scope, _receive_limite(request.receive, limite + marge))
    if ctype.startswith("application/x-www-form-urlencoded"):
        await limited.form()  # a form without a file (the page's, file forgotten)
        return None
    if multipart:
        form = await limited.form()
        upload = form.get(champ)
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            return None
        if upload.size is not None and upload.size > limite:
            raise TropGros
        upload.file.seek(0)
        return Recu(upload.filename or "fichier", upload.file, limited)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    size = 0
    async for chunk in limited.stream():
        size += len(chunk)
        spool.write(chunk)
    if size == 0:
        spool.close()
        return None
    spool.seek(0)
    return Recu("corps de la requête", spool, limited)


def _receive_limite(receive, limite: int):
    used = 0

    async def wrapped():
        nonlocal used
        message = await receive()
        if message["type"] == "http.request":
            used += len(message.get("body", b""))
            if used > limite:
                raise TropGros
        return message

    return wrapped


class Limiteur:
    """At most `par_minute` validations per client address in any sliding `fenetre` (60 s), counted in
    the database (store/limiteur.py, the table of the login limiter's failures): every app server of
    the cluster shares one budget per address. A decision is one short transaction."""

    def __init__(self, engine: Engine, par_minute: int, fenetre: float = 60.0) -> None:
        self.engine, self.par_minute, self.fenetre = engine, par_minute, fenetre

    def attente(self, client: str, now: float | None = None) -> float:
        """Seconds before this client may be served (0: served now, and counted)."""
        now = time.time() if now is None else now
        key = store_limiteur.digest(f"validation:{client}")
        return write_retrying(
            self.engine, store_limiteur.count_event, key, self.par_minute, self.fenetre, now
        )


def limiteur(request: Request) -> Limiteur:
    """The app's validation limiter, on its engine, from its settings."""
    state = request.app.state
    return Limiteur(state.engine, state.settings.validation_par_minute)


def client(request: Request) -> str:
    return request.client.host if request.client else "inconnu"
