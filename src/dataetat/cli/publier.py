"""`dataetat publier data-gouv --jeu ID [--catalogue JEU]`: the open aggregates (query/ouvert.py,
statistical secrecy applied) uploaded as resources of a data.gouv.fr dataset, their Table Schema
declared. Key from DATAETAT_DATA_GOUV_CLE_API (or _FICHIER), never printed."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from dataetat.catalog import publication
from dataetat.cli.common import console, engine_of_settings, err
from dataetat.connectors import services
from dataetat.connectors.data_gouv import DataGouv
from dataetat.connectors.errors import ErreurService
from dataetat.settings import Settings

app = typer.Typer(help="Publier les données ouvertes.", no_args_is_help=True)


@app.command("data-gouv")
def data_gouv(
    jeu: Annotated[
        str, typer.Option("--jeu", help="Identifiant (ou slug) du jeu de données sur data.gouv.fr.")
    ],
    catalogue: Annotated[
        str | None,
        typer.Option("--catalogue", help="Jeu du catalogue à publier (ex. chorus-region-53) ; sans : tous."),
    ] = None,
) -> None:
    """Envoie les agrégats ouverts (CSV et Parquet) comme ressources d'un jeu de données data.gouv.fr."""
    settings = Settings()
    try:
        service = services.data_gouv(settings)
        publication.filtres(catalogue)
    except ValueError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    if service is None:
        err.print("[red]Clé d'API data.gouv.fr absente : DATAETAT_DATA_GOUV_CLE_API (ou _FICHIER).[/red]")
        raise typer.Exit(2)
    if not settings.url_publique:
        err.print("[red]DATAETAT_URL_PUBLIQUE est vide : l'adresse du schéma déclaré en dépend.[/red]")
        raise typer.Exit(2)
    reglages = replace(services.reglages(settings), delai=settings.data_gouv_delai_s)
    schema_url = f"{settings.url_publique.rstrip('/')}/schemas/agregats-ouverts.json"
    engine = engine_of_settings()
    with tempfile.TemporaryDirectory(prefix="dataetat-publier-") as folder:
        with engine.connect() as conn:
            files = publication.fichiers(conn, settings.secret_statistique_seuil, catalogue, Path(folder))
        engine.dispose()
        try:
            with DataGouv(service, reglages) as api:
                done = publication.publier(api, jeu, files, schema_url, console.print)
        except ErreurService as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
    console.print(f"Publié sur {settings.data_gouv_url} : {len(done)} ressource(s) du jeu {jeu}.")
