"""`dataetat db init|upgrade`: the schema, its migrations and the bundled referentials."""

from __future__ import annotations

from typing import Annotated

import typer

from dataetat.cli.common import console, engine_of_settings
from dataetat.settings import Settings

app = typer.Typer(help="Base de données : création et migrations.", no_args_is_help=True)


@app.command("init")
def db_init(
    referentiels: Annotated[
        bool, typer.Option("--referentiels", help="Recharger les référentiels embarqués.")
    ] = False,
) -> None:
    """Créer ou mettre à jour le schéma et charger les référentiels embarqués."""
    from dataetat.store import database

    engine = engine_of_settings()
    loaded = database.init(engine, force_referentiels=referentiels)
    from dataetat.query import ouvert
    from dataetat.query.apres_import import apres_import
    from dataetat.store.engine import data_write

    seuil = Settings().secret_statistique_seuil
    with data_write(engine) as conn:
        if loaded:  # new referentials (themes, communes…) change the tags and the open cells
            apres_import(conn)
        elif ouvert.seuil_stocke(conn) != max(seuil, 1):  # after an upgrade or a new threshold
            ouvert.rafraichir(conn, seuil)
    for kind, count in loaded.items():
        console.print(f"référentiel {kind} : {count} lignes")
    console.print(f"Base prête : {Settings().database_url}")


@app.command("upgrade")
def db_upgrade() -> None:
    """Appliquer les migrations du schéma."""
    from dataetat.store import migrate

    engine = engine_of_settings()
    migrate.upgrade(engine)
    console.print(f"Schéma à jour (révision {migrate.current(engine)}).")
