"""One JSON shape for every API error, {"erreur": {"code", "message"}}, and the handlers that use it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dataetat.query.params import QueryError

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

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "requête" for e in exc.errors())
        return error(400, "parametre-invalide", f"Valeur invalide : {where}.")

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s", request.method, request.url.path, exc_info=exc)
        return error(500, "erreur-interne", "Erreur interne du serveur ; elle a été journalisée.")

    @app.middleware("http")
    async def refuse_control_characters(request: Request, call_next):
        """A NUL or control character in a parameter is no code nor name: 400 (PostgreSQL would
        refuse it with a server error)."""
        values = [*request.query_params.values(), request.url.path]
        if any(ch in v for v in values for ch in _CONTROL):
            return error(400, "parametre-invalide", "Un paramètre contient un caractère de contrôle.")
        return await call_next(request)
