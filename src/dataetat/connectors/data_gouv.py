"""data.gouv.fr (udata) API: the calls that publish files as resources of a dataset.

    with DataGouv(service, reglages) as api:
        api.jeu("mon-jeu")                                # GET  /api/1/datasets/{id}/
        api.envoyer("mon-jeu", chemin)                     # POST /api/1/datasets/{id}/upload/ (new resource)
        api.remplacer("mon-jeu", rid, chemin)              # POST /api/1/datasets/{id}/resources/{rid}/upload/
        api.decrire("mon-jeu", rid, {"schema": {...}})     # PUT  /api/1/datasets/{id}/resources/{rid}/

The key goes in the X-API-KEY header only (never logged). GET, PUT and the replacement of a file
are retried on 429 (Retry-After honoured), 5xx and timeouts, like every connector; the upload of a
NEW resource is not (a retry after a lost answer would create a second resource): the publisher
lists the dataset again before trying again (catalog/publication.py).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import httpx

from dataetat.connectors import errors
from dataetat.connectors.client import Reglages, Service, _refused, _unavailable, decode, retry_after

log = logging.getLogger("dataetat.connectors.data_gouv")
NOM = "data.gouv.fr"


class DataGouv:
    def __init__(self, service: Service, reglages: Reglages | None = None) -> None:
        self.service, self.reglages = service, reglages or Reglages()
        self._http = httpx.Client(
            base_url=service.url.rstrip("/"),
            headers=service.headers(),
            timeout=httpx.Timeout(self.reglages.delai),
            follow_redirects=False,
        )

    def __enter__(self) -> DataGouv:
        return self

    def __exit__(self, *exc) -> None:
        self._http.close()

    def _call(self, method: str, path: str, *, retry: bool = True, **kw: Any) -> Any:
        r = self.reglages
        tries = r.essais + 1 if retry else 1
        for attempt in range(tries):
            last = attempt == tries - 1
            if "fichier" in kw:  # a new file handle per attempt
                name, path_, media = kw["fichier"]
                with open(path_, "rb") as f:
                    response = self._send(method, path, last, files={"file": (name, f, media)})
            else:
                response = self._send(method, path, last, json=kw.get("json"))
            if response is None:
                time.sleep(r.backoff * 2**attempt)
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                wait = retry_after(response.headers.get("Retry-After"))
                if last or (wait is not None and wait > r.attente_max):
                    raise _unavailable(NOM, status, wait)
                time.sleep(wait if wait is not None else r.backoff * 2**attempt)
                continue
            if status >= 300:
                raise _refused(NOM, response)
            return decode(NOM, response)
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, last: bool, **kw: Any) -> httpx.Response | None:
        """The response, or None for a timeout or a broken connection that may be retried."""
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TimeoutException:
            log.info("%s %s %s : délai dépassé", NOM, method, path)
            if last:
                raise errors.ServiceIndisponible(
                    NOM, f"{NOM} n'a pas répondu dans le délai ({self.reglages.delai:g} s)."
                ) from None
            return None
        except httpx.TransportError as exc:
            log.info("%s %s %s : %s", NOM, method, path, type(exc).__name__)
            if last:
                raise errors.ServiceIndisponible(NOM, f"{NOM} est injoignable.") from None
            return None
        log.debug("%s %s %s : %s", NOM, method, path, response.status_code)
        return response

    def jeu(self, dataset: str) -> dict[str, Any]:
        return self._call("GET", f"/api/1/datasets/{dataset}/")

    def envoyer(self, dataset: str, chemin: Path, media: str) -> dict[str, Any]:
        return self._call(
            "POST", f"/api/1/datasets/{dataset}/upload/", retry=False, fichier=(chemin.name, chemin, media)
        )

    def remplacer(self, dataset: str, resource: str, chemin: Path, media: str) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/api/1/datasets/{dataset}/resources/{resource}/upload/",
            fichier=(chemin.name, chemin, media),
        )

    def decrire(self, dataset: str, resource: str, champs: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"/api/1/datasets/{dataset}/resources/{resource}/", json=champs)
