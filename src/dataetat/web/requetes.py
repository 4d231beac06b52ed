"""Every HTTP request: an id, a duration, a log line, a metric (the outermost middleware).

- The id: the request's `X-Request-ID` when the setting `id_requete_entrant` says the proxy in front
  sets it (and it is 1 to 64 letters, digits, `.`, `_` or `-`), else a new one (32 hex digits). It is
  in every log line written while the request runs (dataetat/journaux.py), in the jobs the request
  submits, and returned in the response's `X-Request-ID`.
- The metric: `dataetat_http_requete_duree_secondes{methode, route, statut}`, the route being the
  template (`/televersement/{job_id}`), `/static` for the static files and `autre` for what no
  route answers: never a raw path, so a scan of random URLs adds no series.
- The log line (logger `dataetat.requetes`, INFO): method, route, status, duration in ms; never the
  query string (a search may carry names) nor the user."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dataetat import journaux, metriques

log = logging.getLogger("dataetat.requetes")
HEADER = "x-request-id"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(scope: Scope) -> str:
    """The template of the route that answered, never the raw path."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return "autre"


class RequestContext:
    def __init__(self, app: ASGIApp, *, trust_incoming_id: bool = False) -> None:
        self.app, self.trust_incoming_id = app, trust_incoming_id

    def _id(self, scope: Scope) -> str:
        if self.trust_incoming_id:
            given = Headers(scope=scope).get(HEADER, "")
            if _VALID.fullmatch(given):
                return given
        return uuid.uuid4().hex

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid, start, status = self._id(scope), time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        with journaux.request_scope(rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - start
                route = route_of(scope)
                method = scope["method"] if scope["method"] in METHODS else "autre"
                metriques.REQUETES.labels(method, route, str(status)).observe(elapsed)
                log.info(
                    "%s %s %s %.0f ms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "methode": method,
                        "route": route,
                        "statut": status,
                        "duree_ms": round(elapsed * 1000, 1),
                    },
                )
