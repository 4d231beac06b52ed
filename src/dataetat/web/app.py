"""App factory: `create_app(settings)`; the engine (and the embedded job worker) live on app.state,
created in the lifespan. Routes live in `web/api/` (JSON) and `web/pages/` (HTML)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from dataetat import stockage
from dataetat.antivirus import Antivirus
from dataetat.auth.sessions import Authentication
from dataetat.jobs.worker import Worker
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
from dataetat.store.replicas import Replicas
from dataetat.web import errors, geo, metriques, sante
from dataetat.web.api import carte, exports, lignes, recherches, referentiels
from dataetat.web.api import marches as api_marches
from dataetat.web.api import ouvert as api_ouvert
from dataetat.web.api import qpv as api_qpv
from dataetat.web.api import schemas as api_schemas
from dataetat.web.api import subventions as api_subventions
from dataetat.web.api import validation as api_validation
from dataetat.web.deps import identity
from dataetat.web.lecture import LsnCookie
from dataetat.web.pages import (
    admin_comptes,
    aide,
    connexion,
    detail,
    documentation_api,
    envoi_reprenable,
    erreurs,
    mes_exports,
    mes_recherches,
    recherche,
    remplacement,
    televersement,
    televersement_rapport,
)
from dataetat.web.pages import audit as pages_audit
from dataetat.web.pages import beneficiaire as pages_beneficiaire
from dataetat.web.pages import catalogue as pages_catalogue
from dataetat.web.pages import catalogues_decp as pages_catalogues_decp
from dataetat.web.pages import etiquetage as pages_etiquetage
from dataetat.web.pages import marches as pages_marches
from dataetat.web.pages import oidc as pages_oidc
from dataetat.web.pages import ouvert as pages_ouvert
from dataetat.web.pages import qpv as pages_qpv
from dataetat.web.pages import referentiels as pages_referentiels
from dataetat.web.pages import subventions as pages_subventions
from dataetat.web.pages import territoire as pages_territoire
from dataetat.web.pages import validation_decp as pages_validation_decp
from dataetat.web.requetes import RequestContext
from dataetat.web.security import SecurityHeaders

STATIC = (
    Path(__file__).resolve().parent / "static"
)  # vendor/ is filled by `make install` (frontend/build.mjs)


class CompressExceptExports(GZipMiddleware):
    """Gzip pages, JSON and static files (the DSFR stylesheet: 728 KB → 94 KB), not the exports:
    they stream large files that spreadsheets open, and compressing them costs the server's CPU."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v1/exports"):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Its own engine and worker in locals: a second lifespan of the same app (two test clients at
        # once) must not make this one stop the other's worker and leave its own running.
        engine = make_engine(settings)
        replicas = Replicas.of_settings(settings)  # None: every read on the primary
        worker = None
        if settings.taches_dans_le_serveur:
            worker = Worker(
                engine,
                app.state.stockage,
                # PostgreSQL: other servers and workers may be running jobs; only the lease tells
                embedded=engine.dialect.name == "duckdb",
                lease=timedelta(seconds=settings.taches_bail_secondes),
                tries=settings.taches_essais_max,
                uploads=settings.dossier_televersements,
                settings=settings,
            )
            worker.start()
        app.state.engine, app.state.worker, app.state.replicas = engine, worker, replicas
        yield
        if worker is not None:
            worker.stop()
        if replicas is not None:
            replicas.dispose()
        engine.dispose()

    if not (STATIC / "vendor").is_dir():
        raise RuntimeError(
            f"Les fichiers front-end (DSFR, htmx…) manquent dans {STATIC / 'vendor'} : lancez `make install` "
            "dans le dépôt, ou installez une roue construite par `make wheel` (elle les contient)."
        )
    # /docs is pages/documentation_api.py: FastAPI's own pages load Swagger UI and ReDoc from a CDN.
    app = FastAPI(title="Data-État", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.stockage = stockage.espaces(settings)  # uploads and exports: folders or S3
    app.state.auth = Authentication.from_settings(settings)  # refuses a default secret in server mode
    errors.install(app)
    sante.install(app)
    metriques.install(app)
    app.state.antivirus = Antivirus.of(settings)  # None without the setting clamav
    app.add_middleware(CompressExceptExports, minimum_size=1024)
    app.add_middleware(SecurityHeaders, derriere_proxy_https=settings.derriere_proxy_https)
    app.add_middleware(LsnCookie)  # read-your-writes over the read replicas
    # outermost: the request id and the duration cover the others (web/requetes.py)
    app.add_middleware(RequestContext, trust_incoming_id=settings.id_requete_entrant)
    erreurs.install(app)  # HTML 404 for pages, JSON for /api
    app.include_router(geo.router)  # /static/geo: compressed once, immutable URLs; before the /static mount
    app.mount("/static", geo.CompressedStaticFiles(directory=STATIC), name="static")
    for module in (
        sante,
        metriques,
        lignes,
        exports,
        referentiels,
        carte,
        recherche,
        detail,
        mes_exports,
        aide,
        envoi_reprenable,  # before televersement: /televersement/envois is not a job id
        televersement,
        televersement_rapport,
        remplacement,
        pages_referentiels,
        recherches,
        mes_recherches,
        connexion,
        pages_audit,
        admin_comptes,
        pages_etiquetage,
        documentation_api,
        pages_oidc,
        api_qpv,
        pages_qpv,
        pages_beneficiaire,
        pages_territoire,
        api_ouvert,
        pages_ouvert,
        api_schemas,
        api_validation,
        pages_validation_decp,
        pages_subventions,
        api_subventions,
        pages_catalogue,
        api_marches,
        pages_marches,
        pages_catalogues_decp,
    ):
        # Every route needs an identity (a login), except the public ones: health probes, login, help,
        # API docs, the open aggregates (query/ouvert.py: the statistical secrecy rule), the catalogue
        # and the open DECP validation (API and page).
        public = module in (
            sante,
            metriques,  # its own bearer token (setting metriques_jeton)
            aide,
            connexion,
            documentation_api,
            pages_oidc,
            api_ouvert,
            pages_ouvert,
            api_schemas,
            api_validation,
            pages_validation_decp,
            pages_catalogue,
        )
        app.include_router(module.router, dependencies=[] if public else [Depends(identity)])
    return app
