"""`dataetat serve|worker`: the web application and the workers of the background jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from dataetat import journaux
from dataetat.cli.common import console, engine_of_settings, err
from dataetat.settings import Settings


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Lancer l'application web (API JSON sous /api/v1)."""
    import uvicorn

    from dataetat.auth.sessions import ConfigurationError
    from dataetat.web.app import create_app

    settings = Settings()
    if settings.journaux_json:
        journaux.configure_json()
    try:
        web_app = create_app(settings)
    except ConfigurationError as e:  # e.g. server mode without DATAETAT_SECRET_KEY
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e
    console.print(f"Data-État sur http://{host}:{port}/ (API : http://{host}:{port}/docs)")
    # Forwarded headers (X-Forwarded-For/-Proto) only from the configured proxies, never by default.
    trusted = settings.proxys_de_confiance.strip()
    uvicorn.run(
        web_app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        **({"log_config": None} if settings.journaux_json else {}),  # the JSON handler of journaux.py
    )


def worker(
    une_fois: Annotated[
        bool, typer.Option("--une-fois", help="Exécuter les tâches en attente puis s'arrêter.")
    ] = False,
    port_metriques: Annotated[
        int,
        typer.Option(
            "--port-metriques",
            help="Servir les métriques Prometheus de ce worker (lignes importées…) sur ce port, "
            "à l'adresse --hote-metriques ; 0 = non.",
        ),
    ] = 0,
    hote_metriques: Annotated[str, typer.Option("--hote-metriques")] = "127.0.0.1",
) -> None:
    """Exécuter les tâches (exports) en file d'attente : en mode serveur (PostgreSQL), à côté de
    `dataetat serve` lancé avec DATAETAT_TACHES_DANS_LE_SERVEUR=false ; plusieurs workers peuvent tourner."""
    import time
    from datetime import timedelta

    from dataetat import stockage
    from dataetat.jobs.execution import run_pending, tidy
    from dataetat.jobs.worker import Worker

    settings = Settings()
    if settings.journaux_json:
        journaux.configure_json()
    espaces = stockage.espaces(settings)
    engine = engine_of_settings()
    lease = timedelta(seconds=settings.taches_bail_secondes)
    if une_fois:
        tidy(settings.dossier_televersements, espaces, settings.envoi_expiration_heures * 3600)
        console.print(f"{run_pending(engine, espaces, lease, settings)} tâche(s) exécutée(s).")
        return
    runner = Worker(
        engine,
        espaces,
        embedded=engine.dialect.name == "duckdb",
        lease=lease,
        tries=settings.taches_essais_max,
        uploads=settings.dossier_televersements,
        settings=settings,
    )
    runner.start()
    if port_metriques:  # this worker's process metrics, and the import totals of the database
        from prometheus_client import start_http_server

        from dataetat import metriques
        from dataetat.web.metriques import ImportTotals

        start_http_server(
            port_metriques, addr=hote_metriques, registry=metriques.registry(ImportTotals(lambda: engine))
        )
        console.print(f"Métriques du worker sur http://{hote_metriques}:{port_metriques}/metrics")
    console.print("Worker démarré (Ctrl+C pour arrêter).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        runner.stop()
