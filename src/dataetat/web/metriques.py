"""`GET /metrics`: the Prometheus text format of this process's metrics (dataetat/metriques.py) and of
what is read at scrape time — the jobs of the queue by type and status (`dataetat_taches`: en-attente
= queued, en-cours = running, echec = failed), the database pool (connections in use, open, maximum),
and with read replicas (DATAETAT_DATABASE_REPLICA_URLS) the lag of each, asked to it (replayed
everything it received: 0; else the age of the last transaction it replayed).

Protected: the setting `metriques_jeton` is the bearer token Prometheus sends
(`Authorization: Bearer …`, compared in constant time; a missing or wrong token: 401); without
the setting `/metrics` answers 404, as an unknown page — a metric names no data, but the routes,
volumes and load of a service are for its operators only.
"""

from __future__ import annotations

import hmac
import logging

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.exceptions import HTTPException

from dataetat import metriques
from dataetat.store import historique, taches
from dataetat.store.replicas import lag_seconds

router = APIRouter(include_in_schema=False)
log = logging.getLogger("dataetat.metriques")
STATUTS = (taches.EN_ATTENTE, taches.EN_COURS, taches.TERMINEE, taches.ECHEC)


class DatabaseCollector:
    """Read at each scrape: the jobs by type and status, the connection pool of the app's engine."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self):
        return []  # collected only when scraped (no database access when registering)

    def collect(self):
        engine = getattr(self.app.state, "engine", None)
        if engine is None:
            return
        jobs = GaugeMetricFamily(
            "dataetat_taches", "Tâches de la file, par type et statut.", labels=["type", "statut"]
        )
        try:
            with engine.connect() as conn:
                found = {(t, s): n for t, s, n in taches.counts(conn)}
        except Exception:  # noqa: BLE001 - the other metrics are still worth a scrape
            log.warning("métriques : file des tâches illisible", exc_info=True)
        else:
            for kind in sorted({t for t, _ in found}):
                for statut in STATUTS:
                    jobs.add_metric([kind, statut], found.get((kind, statut), 0))
            yield jobs
        yield from ImportTotals(lambda: engine).collect()
        yield from _pool(engine.pool, self.app.state.settings.connexions_max)
        replicas = getattr(self.app.state, "replicas", None)
        if replicas is not None:
            yield _replica_lags(replicas)


class ImportTotals:
    """Read at each scrape from the import history (`import_fichier`): lines read and files imported
    by kind, by every process and host since the database exists — any server's /metrics (or a
    worker's, `dataetat worker --port-metriques`) shows the same totals."""

    def __init__(self, engine_of) -> None:
        self.engine_of = engine_of

    def describe(self):
        return []

    def collect(self):
        engine = self.engine_of()
        if engine is None:
            return
        try:
            with engine.connect() as conn:
                found = historique.totals(conn)
        except Exception:  # noqa: BLE001 - the other metrics are still worth a scrape
            log.warning("métriques : historique des imports illisible", exc_info=True)
            return
        lignes = CounterMetricFamily(
            "dataetat_import_lignes",
            "Lignes lues par les imports de fichiers écrits, tous processus confondus (taux : "
            "rate(...[5m]) = lignes par seconde), par type de fichier.",
            labels=["type"],
        )
        fichiers = CounterMetricFamily(
            "dataetat_import_fichiers",
            "Fichiers importés, tous processus confondus, par type.",
            labels=["type"],
        )
        for kind, files, lines in found:
            lignes.add_metric([kind], lines)
            fichiers.add_metric([kind], files)
        yield lignes
        yield fichiers


def _replica_lags(replicas) -> GaugeMetricFamily:
    """Set each replica's lag (`dataetat_replique_retard_secondes`, collected after this) and
    return whether each answered. Replicas are named by their rank in the setting, never by URL."""
    up = GaugeMetricFamily(
        "dataetat_replique_joignable", "Réplique en lecture joignable (1) ou non (0).", labels=["replique"]
    )
    for rank, engine in enumerate(replicas.engines, 1):
        name = f"replique-{rank}"
        try:
            with engine.connect() as conn:
                lag = lag_seconds(conn)
        except sa.exc.DBAPIError:
            metriques.set_replica_lag(name, None)
            up.add_metric([name], 0)
            continue
        metriques.set_replica_lag(name, float(lag or 0))
        up.add_metric([name], 1)
    return up


def _pool(pool, maximum: int):
    if not hasattr(pool, "checkedout"):  # StaticPool (an in-memory DuckDB): nothing to tell
        return
    used = GaugeMetricFamily("dataetat_base_connexions_utilisees", "Connexions à la base en cours d'usage.")
    used.add_metric([], pool.checkedout())
    opened = GaugeMetricFamily(
        "dataetat_base_connexions_ouvertes", "Connexions à la base ouvertes (en usage ou libres)."
    )
    opened.add_metric([], pool.checkedout() + pool.checkedin())
    most = GaugeMetricFamily(
        "dataetat_base_connexions_max", "Connexions à la base au plus (réglage connexions_max)."
    )
    most.add_metric([], maximum)
    yield from (used, opened, most)


def install(app: FastAPI) -> None:
    app.state.metriques = metriques.registry(DatabaseCollector(app))


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    expected = request.app.state.settings.metriques_jeton
    if not expected:
        raise HTTPException(404)
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return Response(
            "Jeton des métriques absent ou invalide (Authorization: Bearer …).\n",
            status_code=401,
            media_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="metriques"'},
        )
    body = await run_in_threadpool(generate_latest, request.app.state.metriques)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
