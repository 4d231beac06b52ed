"""One JSON shape for every API error, {"erreur": {"code", "message"}}, and the handlers that use it."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from dataetat.query.params import QueryError
from dataetat.store.engine import DataBusy, is_write_conflict

log = logging.getLogger("dataetat.web")
_CONTROL = tuple(chr(c) for c in range(32) if chr(c) not in "\t")


class NotFound(Exception):
    """A resource that does not exist, or not for this identity (same answer: no oracle)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Conflict(Exception):
    """A request that cannot be served in the resource's current state (e.g. an export still running)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


ECRITURE_SIMULTANEE = (
    "Une autre écriture dans la base a eu lieu au même moment que la vôtre : réessayez dans un instant."
)
NON_AUTHENTIFIE = "Connexion requise : connectez-vous sur /connexion (session absente ou expirée)."


class NotAuthenticated(Exception):
    """No valid session (none, expired, account disabled or changed): pages go to /connexion, the API
    answers 401. A refused bearer token (web/oidc.py) says why, with its own code."""

    def __init__(self, message: str | None = None, code: str = "non-authentifie") -> None:
        super().__init__(message or NON_AUTHENTIFIE)
        self.code = code


class Forbidden(Exception):
    """An identity whose role does not allow the action: a French 403 (DSFR page, or JSON for /api)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def local_path(url: str | None) -> str | None:
    """`url` when it is a path of this site ("/x?y"), else None: a `suite` never leads elsewhere."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    if "\\" in url or any(ch in url for ch in _CONTROL):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_url(request: Request) -> str:
    """/connexion with, in `suite`, the page to come back to (for an htmx fragment: its page)."""
    here: str | None = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", "/"))
        here = local_path(current.path + (f"?{current.query}" if current.query else ""))
    if not here or here == "/":
        return "/connexion"
    return f"/connexion?{urlencode({'suite': here})}"


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"erreur": {"code": code, "message": message}}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> JSONResponse:
        return error(400, "parametre-invalide", str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error(404, exc.code, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error(409, exc.code, str(exc))

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if request.url.path.startswith("/api/"):
            response: Response = error(401, exc.code, str(exc))
            if exc.code != "non-authentifie":  # a bearer token was presented and refused (RFC 6750)
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        elif request.headers.get("HX-Request"):
            response = Response(status_code=401, headers={"HX-Redirect": login_url(request)})
        else:
            response = RedirectResponse(login_url(request), status_code=303)
        response.delete_cookie("dataetat_session", path="/")
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if request.url.path.startswith("/api/"):
            return error(403, "interdit", str(exc))
        from dataetat.web.pages.templating import templates  # pages sit above this module

        return templates.TemplateResponse(
            request, "403.html", {"message": str(exc), "page_active": None}, status_code=403
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "requête" for e in exc.errors())
        return error(400, "parametre-invalide", f"Valeur invalide : {where}.")

    @app.exception_handler(sa.exc.TimeoutError)
    async def busy(request: Request, exc: sa.exc.TimeoutError) -> JSONResponse:
        # Every connection of the bounded pool stayed in use (settings: connexions_max).
        log.warning("%s %s: no free database connection", request.method, request.url.path)
        return error(503, "serveur-occupe", "Le serveur est occupé : réessayez dans un instant.")

    @app.exception_handler(DataBusy)
    async def data_busy(request: Request, exc: DataBusy) -> Response:
        log.warning(
            "%s %s: the data lock stayed taken (an import is writing)", request.method, request.url.path
        )
        return _retry(request, "base-occupee", str(exc))

    @app.exception_handler(sa.exc.DBAPIError)
    async def database_error(request: Request, exc: sa.exc.DBAPIError) -> Response:
        # DuckDB refused the write for a concurrent one of the same row (store/engine.py): the user
        # may simply try again; anything else is a server error.
        if is_write_conflict(exc):
            log.warning("%s %s: write conflict: %s", request.method, request.url.path, exc.orig)
            return _retry(request, "ecriture-simultanee", ECRITURE_SIMULTANEE)
        return await server_error(request, exc)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s", request.method, request.url.path, exc_info=exc)
        return error(500, "erreur-interne", "Erreur interne du serveur ; elle a été journalisée.")

    app.add_middleware(RefuseControlCharacters)


def _retry(request: Request, code: str, message: str) -> Response:
    """A French 503 that asks to try again: JSON for the API, the DSFR error page for a page."""
    headers = {"Retry-After": "5"}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"erreur": {"code": code, "message": message}}, status_code=503, headers=headers)
    from dataetat.web.pages.templating import templates  # pages sit above this module

    return templates.TemplateResponse(
        request,
        "503.html",
        {"message": message, "titre": None, "page_active": None},
        status_code=503,
        headers=headers,
    )


class RefuseControlCharacters:
    """A NUL or control character in a parameter is no code nor name: 400 (PostgreSQL would refuse
    it with a server error). Pure ASGI: Starlette's `@app.middleware("http")` would end a streamed
    export cleanly when it fails mid-way, handing the client a short file that looks whole."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            values = [*request.query_params.values(), request.url.path]
            if any(ch in v for v in values for ch in _CONTROL):
                response = error(400, "parametre-invalide", "Un paramètre contient un caractère de contrôle.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
