"""The HTML 404 page ("Page non trouvée", DSFR pattern) for unknown page addresses and the HTML 400
page (« Demande invalide », the French reason in a DSFR alert) for a page parameter refused as a
whole, while `/api/…` keeps the one JSON error shape {"erreur": {"code", "message"}} (web/errors.py).

    errors.install(app)
    erreurs.install(app)   # after: takes over 404s, hands every other HTTP error back
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dataetat.query.params import QueryError
from dataetat.web.deps import optional_identity
from dataetat.web.errors import error
from dataetat.web.pages.templating import templates

API = "/api/"


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith((API, "/static/")) and path not in ("/openapi.json", "/docs")


def page_not_found(request: Request, titre: str | None = None, message: str | None = None):
    return templates.TemplateResponse(
        request, "404.html", {"titre": titre, "message": message, "page_active": None}, status_code=404
    )


def page_bad_request(request: Request, detail: str):
    return templates.TemplateResponse(
        request,
        "400.html",
        {"detail": detail, "titre": None, "message": None, "page_active": None},
        status_code=400,
    )


def install(app: FastAPI) -> None:
    validation = app.exception_handlers.get(RequestValidationError)
    query_error = app.exception_handlers[QueryError]

    @app.exception_handler(QueryError)
    async def invalid_parameter(request: Request, exc: QueryError):
        if _is_page(request):
            return page_bad_request(request, str(exc))
        return await query_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and _is_page(request):
            return page_bad_request(request, str(exc.detail))
        if exc.status_code != 404:
            return await http_exception_handler(request, exc)
        if _is_page(request):
            await optional_identity(request, Response())  # the header shows who is logged in
            return page_not_found(request)
        if request.url.path.startswith(API):
            return error(404, "introuvable", f"Aucune ressource à l'adresse {request.url.path}.")
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_page_path(request: Request, exc: RequestValidationError):
        """A page address whose path does not parse (/lignes/abc) is a page that does not exist."""
        if _is_page(request) and any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            await optional_identity(request, Response())
            return page_not_found(request)
        if _is_page(request):
            where = ", ".join(str(e.get("loc", ("", "?"))[-1]) for e in exc.errors())
            return page_bad_request(request, f"Valeur invalide : {where}.")
        if validation is None:  # pragma: no cover - errors.install always registers one
            raise exc
        return await validation(request, exc)
