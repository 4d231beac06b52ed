"""App factory: `create_app(settings)`; the engine lives on app.state, created in the lifespan."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from dataetat import exports
from dataetat.exports import tables
from dataetat.query import details
from dataetat.query.columns import COLONNES
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.pivot import pivot
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
        return _error(400, "parametre-invalide", str(exc))

    @app.middleware("http")
    async def refuse_control_characters(request: Request, call_next):
        """A NUL or control character in a parameter is no code nor name: 400 (PostgreSQL would
        refuse it with a server error)."""
        values = [*request.query_params.values(), request.url.path]
        if any(ch in v for v in values for ch in _CONTROL):
            return _error(400, "parametre-invalide", "Un paramètre contient un caractère de contrôle.")
        return await call_next(request)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, "erreur-interne", "Erreur interne du serveur ; elle a été journalisée.")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "requête" for e in exc.errors())
        return _error(400, "parametre-invalide", f"Valeur invalide : {where}.")

    def region() -> str | None:
        """The single place where the identity's région is read (accounts will plug in here)."""
        return settings.region_developpement or None

    async def run(fn, *args):
        def work():
            with app.state.engine.connect() as conn:
                return fn(conn, *args)

        return await run_in_threadpool(work)

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
        return [dataclasses.asdict(c) | {"sortable": c.sortable} for c in COLONNES]

    @app.get("/api/v1/lignes")
    async def lignes(request: Request) -> dict:
        params = params_from_query(dict(request.query_params))

        result = await run(search, params, region())
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

    @app.get("/api/v1/lignes/{line_id}")
    async def ligne(line_id: LineId) -> dict:
        found = await run(details.line, line_id, region())
        if found is None:
            return _error(404, "ligne-introuvable", f"Aucune ligne {line_id} (ou hors de votre région).")
        return found

    @app.get("/api/v1/lignes/{line_id}/paiements")
    async def paiements(line_id: LineId) -> dict:
        found = await run(details.payments, line_id, region())
        if found is None:
            return _error(404, "ligne-introuvable", f"Aucune ligne {line_id} (ou hors de votre région).")
        return {"ligne": line_id, "paiements": found}

    async def pivot_of(request: Request):
        query = dict(request.query_params)
        dims = {k: query.pop(k, None) for k in ("lignes", "colonnes", "valeur")}
        if not dims["lignes"] or not dims["colonnes"]:
            raise QueryError(
                "Le tableau dynamique demande lignes et colonnes (ex. lignes=programme_code&colonnes=annee)."
            )
        params = params_from_query(query)
        return await run(
            pivot, params, dims["lignes"], dims["colonnes"], dims["valeur"] or "montant_ae", region()
        )

    @app.get("/api/v1/pivot")
    async def tableau_dynamique(request: Request) -> dict:
        """Rows × columns of a search (`lignes`, `colonnes`: groupable columns; `valeur`:
        montant_ae, montant_cp or count), with row, column and grand totals."""
        return (await pivot_of(request)).as_dict()

    @app.get("/api/v1/exports/lignes.{fmt}")
    async def export_lignes(fmt: str, request: Request):
        """Every line of a search (no cap), chosen columns in their order (`colonnes`), French headers.
        CSV streams at once; XLSX, ODS and Parquet are written to a temporary file, then sent."""
        params = params_from_query(dict(request.query_params))
        if fmt not in exports.FORMATS:
            raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
        names = exports.chosen_columns(params)
        disposition = {"Content-Disposition": f'attachment; filename="lignes.{fmt}"'}
        media_type = exports.FORMATS[fmt].media_type
        scope = region()
        if fmt == "csv":

            def stream():
                with app.state.engine.connect() as conn:
                    yield from exports.write_csv(
                        exports.header(names), exports.frames(conn, params, scope, names)
                    )

            return StreamingResponse(stream(), media_type=media_type, headers=disposition)
        folder = tempfile.mkdtemp(prefix="dataetat-export-")
        target = Path(folder) / f"lignes.{fmt}"
        await run(lambda conn: exports.export(conn, fmt, target, params, scope, names))
        return FileResponse(
            target,
            media_type=media_type,
            headers=disposition,
            background=BackgroundTask(shutil.rmtree, folder),
        )

    @app.get("/api/v1/exports/groupes.{fmt}")
    async def export_groupes(fmt: str, request: Request):
        """The groups of the opened drill-down level (every group, not a page), in a file."""
        params = params_from_query(dict(request.query_params))
        if len(params.grouped) >= len(params.grouping):
            raise QueryError(
                "Précisez grouping (et grouped pour descendre d'un niveau) pour exporter des groupes."
            )
        params.page, params.page_size = 1, 100_000
        result = await run(search, params, region())
        return await _send_table(fmt, "groupes", tables.groups_table(result.groupes or []))

    @app.get("/api/v1/exports/pivot.{fmt}")
    async def export_pivot(fmt: str, request: Request):
        """The tableau dynamique of a search, with its totals, in a file."""
        return await _send_table(fmt, "tableau", tables.pivot_table(await pivot_of(request)))

    async def _send_table(fmt: str, name: str, table) -> FileResponse:
        if fmt not in exports.FORMATS:
            raise QueryError(f"Format « {fmt} » inconnu : formats possibles {', '.join(exports.FORMATS)}.")
        folder = tempfile.mkdtemp(prefix="dataetat-export-")
        target = Path(folder) / f"{name}.{fmt}"
        await run_in_threadpool(tables.write_table, fmt, table, target)
        return FileResponse(
            target,
            media_type=exports.FORMATS[fmt].media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
            background=BackgroundTask(shutil.rmtree, folder),
        )

    @app.get("/api/v1/annees")
    async def annees() -> list[int]:
        return await run(details.years, region())

    # --- Look-ups for the search form (referentials, beneficiaries, tags) -------------------------
    from fastapi import Query

    from dataetat.query import lookups

    @app.get("/api/v1/referentiels/programmes")
    async def lookup_programmes(q: str | None = None, limite: int | None = None) -> list[dict]:
        return await run(lookups.programmes, q, limite)

    @app.get("/api/v1/referentiels/referentiels-programmation")
    async def lookup_referentiels_programmation(
        q: str | None = None, code_programme: str | None = None, limite: int | None = None
    ) -> list[dict]:
        """Activities; `code_programme` (comma-separated) keeps those of these programmes."""
        wanted = [p for p in (code_programme or "").split(",") if p.strip()]
        return await run(lookups.referentiels_programmation, q, wanted, limite)

    @app.get("/api/v1/referentiels/zones/{niveau}")
    async def lookup_zones(niveau: str, q: str | None = None, limite: int | None = None) -> list[dict]:
        """region, departement, arrondissement, epci or commune, by code prefix or name (no postal code)."""
        return await run(lookups.zones, niveau, q, limite)

    @app.get("/api/v1/referentiels/beneficiaires")
    async def lookup_beneficiaires(q: str = Query(""), limite: int | None = None) -> list[dict]:
        """Beneficiaries of the lines you may see, by SIRET prefix or name (3 characters at least)."""
        return await run(lookups.beneficiaires, q, region(), limite)

    @app.get("/api/v1/referentiels/tags")
    async def lookup_tags(q: str | None = None, limite: int | None = None) -> list[dict]:
        return await run(lookups.tags, q, region(), limite)

    @app.get("/api/v1/referentiels/centres-couts")
    async def lookup_centres_couts(q: str | None = None, limite: int | None = None) -> list[dict]:
        return await run(lookups.centres_couts, q, limite)

    @app.get("/api/v1/referentiels/domaines-fonctionnels")
    async def lookup_domaines_fonctionnels(q: str | None = None, limite: int | None = None) -> list[dict]:
        return await run(lookups.domaines_fonctionnels, q, limite)

    return app


_CONTROL = tuple(chr(c) for c in range(32) if chr(c) not in "\t")
LineId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]


def _error(status: int, code: str, message: str) -> JSONResponse:
    """The one shape of every error: {"erreur": {"code", "message"}}."""
    return JSONResponse({"erreur": {"code": code, "message": message}}, status_code=status)
