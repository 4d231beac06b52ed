"""App factory: `create_app(settings)`; the engine (and the embedded job worker) live on app.state,
created in the lifespan. Routes live in `web/api/` (JSON) and `web/pages/` (HTML)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dataetat.jobs.worker import Worker
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
from dataetat.web import errors
from dataetat.web.api import carte, exports, lignes, referentiels
from dataetat.web.pages import recherche

STATIC = (
    Path(__file__).resolve().parent / "static"
)  # vendor/ is filled by `make install` (frontend/build.mjs)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings)
        app.state.worker = None
        if settings.taches_dans_le_serveur:
            app.state.worker = Worker(app.state.engine, settings.dossier_exports, embedded=True)
            app.state.worker.start()
        yield
        if app.state.worker is not None:
            app.state.worker.stop()
        app.state.engine.dispose()

    if not (STATIC / "vendor").is_dir():
        raise RuntimeError(
            f"Les fichiers front-end (DSFR, htmx…) manquent dans {STATIC / 'vendor'} : lancez `make install`."
        )
    app = FastAPI(title="Data-État", lifespan=lifespan, docs_url="/docs")
    app.state.settings = settings
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (lignes, exports, referentiels, carte, recherche):
        app.include_router(module.router)
    return app
