"""What the open validation (API and page) shares: the file of a request read under a size cap,
and a per-client rate limit. Both answer in French and never hold more than the cap.

    fichier = await recevoir(request, limite_octets)   # multipart field `fichier`, or the raw body
    attente = limiteur(request).attente(client(request))   # seconds to wait, 0 = go on
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import IO

from starlette.datastructures import UploadFile
from starlette.requests import Request

CHAMP = "fichier"
MARGE_MULTIPART = 64 * 1024  # headers and boundaries around the file in a multipart body
MAX_CLIENTS = 50_000


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
    """At most `par_minute` requests per client in any sliding minute (in memory, per process)."""

    def __init__(self, par_minute: int, fenetre: float = 60.0) -> None:
        self.par_minute, self.fenetre = par_minute, fenetre
        self._vus: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def attente(self, client: str, now: float | None = None) -> float:
        """Seconds before this client may be served (0: served now, and counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._vus.pop(client, None) or deque()
            while times and times[0] <= now - self.fenetre:
                times.popleft()
            self._vus[client] = times  # most recent last: the oldest clients are forgotten first
            if len(self._vus) > MAX_CLIENTS:
                self._vus.popitem(last=False)
            if len(times) >= self.par_minute:
                return max(0.001, times[0] + self.fenetre - now)
            times.append(now)
            return 0.0


_LOCK = threading.Lock()


def limiteur(request: Request) -> Limiteur:
    """The app's validation limiter (one per app, made on first use from its settings)."""
    state = request.app.state
    with _LOCK:
        if getattr(state, "limiteur_validation", None) is None:
            state.limiteur_validation = Limiteur(state.settings.validation_par_minute)
        return state.limiteur_validation


def client(request: Request) -> str:
    return request.client.host if request.client else "inconnu"
