"""App factory: `create_app(settings)`; the engine lives on app.state, created in the lifespan."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from dataetat.query.columns import COLONNES
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import search
from dataetat.settings import Settings
from dataetat.store.engine import make_engine

_LISTS = {f.name for f in dataclasses.fields(SearchParams) if f.type.startswith("list")}
_INTS = {"page", "page_size"}


def params_from_query(query: dict[str, str]) -> SearchParams:
    """Reference-compatible query string → SearchParams; an unknown parameter is refused, never ignored."""
    known = {f.name for f in dataclasses.fields(SearchParams)}
    values: dict[str, object] = {}
    for name, raw in query.items():
        if name not in known:
            raise QueryError(f"Paramètre « {name} » inconnu.")
        if name in _LISTS:
            parts = [v.strip() for v in raw.split("|" if name == "theme" else ",") if v.strip()]
            try:
                values[name] = [int(v) for v in parts] if name == "annee" else parts
            except ValueError as e:
                raise QueryError(f"annee : « {raw} » n'est pas une liste d'années.") from e
        elif name in _INTS:
            if not raw.isdigit():
                raise QueryError(f"{name} : « {raw} » n'est pas un nombre entier.")
            values[name] = int(raw)
        else:
            values[name] = raw
    return SearchParams(**values)  # type: ignore[arg-type]


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings)
        yield
        app.state.engine.dispose()

    app = FastAPI(title="Data-État", lifespan=lifespan, docs_url="/docs")

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"erreur": {"code": "parametre-invalide", "message": str(exc)}}, status_code=400)

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Data-État</title></head>'
            "<body><main><h1>Data-État</h1><p>Toutes les aides publiques sur un territoire.</p>"
            '<p><a href="/api/v1/lignes">Lignes financières (JSON)</a> · '
            '<a href="/docs">Documentation de l\'API</a></p></main></body></html>'
        )

    @app.get("/api/v1/colonnes")
    async def colonnes() -> list[dict]:
        return [dataclasses.asdict(c) for c in COLONNES]

    @app.get("/api/v1/lignes")
    async def lignes(request: Request) -> dict:
        params = params_from_query(dict(request.query_params))

        def run():
            with request.app.state.engine.connect() as conn:
                return search(conn, params)

        result = await run_in_threadpool(run)
        body = {
            "total": dataclasses.asdict(result.total),
            "has_next": result.has_next,
            "page": params.page,
            "page_size": params.page_size,
            "filtres": result.description,
        }
        body["groupes" if result.groupes is not None else "lignes"] = (
            result.groupes if result.groupes is not None else result.lignes
        )
        return body

    return app
