"""Prometheus metrics of one process (`prometheus_client`), low in the layers: the web app and whoever
measures a replica count here; `/metrics` (web/metriques.py) renders them with what it reads from the
database at scrape time (jobs by status, import totals, database pool, replica lag) — the same for
every process of a cluster.

    metriques.set_replica_lag("replique-1", 0.4)        # whoever measures a replica's lag

The collectors are registered in no global registry: each app builds its own `CollectorRegistry`
(`registry()`), so that a test may build many apps. Labels take a few known values only (route
templates, never raw paths; job types and statuses; file kinds): no data, bounded cardinality."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)

disable_created_metrics()  # no `…_created` series beside each counter and histogram

# Latency buckets of a page or an API call: fast look-ups to long searches and streamed exports.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUETES = Histogram(
    "dataetat_http_requete_duree_secondes",
    "Durée des requêtes HTTP, par méthode, modèle de route et statut.",
    ["methode", "route", "statut"],
    buckets=BUCKETS,
    registry=None,
)
REPLIQUE_RETARD = Gauge(
    "dataetat_replique_retard_secondes",
    "Retard de chaque réplique en lecture sur la base primaire, en secondes (dernière mesure).",
    ["replique"],
    registry=None,
)

PROCESS_COLLECTORS = (REQUETES, REPLIQUE_RETARD)


def set_replica_lag(replique: str, secondes: float | None) -> None:
    """The lag of a read replica (its name, never its URL); None removes it (replica gone)."""
    if secondes is None:
        try:
            REPLIQUE_RETARD.remove(replique)
        except KeyError:
            pass
    else:
        REPLIQUE_RETARD.labels(replique).set(secondes)


def registry(*extra) -> CollectorRegistry:
    """A registry with `extra` collectors (an app's database collector: first, so that the replica
    lags it measures are those this scrape shows) and this process's (with its CPU, memory, open
    files: process_*)."""
    found = CollectorRegistry(auto_describe=True)
    for collector in (*extra, *PROCESS_COLLECTORS, ProcessCollector(registry=None)):
        found.register(collector)
    return found
