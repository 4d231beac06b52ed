"""`dataetat import ademe|france2030|qpv-lieu-action|pvd|acv|qpv|siret-qpv|tags FICHIER`: the other
sources, checked whole, imported atomically, audited like Chorus imports; tags re-applied after."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataetat.cli.common import (
    audited_failure,
    console,
    engine_of_settings,
    err,
    print_report,
    record_refused,
)
from dataetat.cli.imports import app  # the other sources' commands join `dataetat import`

Fichier = Annotated[Path, typer.Argument(help="Fichier à importer.", exists=True, dir_okay=False)]


def run_source(kind: str, fichier: Path, decoupage: int | None = None) -> None:
    """Import one file of `kind`; exit 1 (nothing written) when it is refused."""
    from dataetat.ingest.empreinte import sha256_of
    from dataetat.jobs import journal
    from dataetat.query.apres_import import apres_import
    from dataetat.store import audit
    from dataetat.store.sources_import import import_source

    engine = engine_of_settings()
    digests = {fichier.name: sha256_of(fichier)}
    with console.status(f"Import de {fichier.name}…"), audited_failure(engine, digests, source=kind):
        result = import_source(
            engine,
            kind,
            fichier,
            decoupage=decoupage,
            apres=apres_import,
            record=journal.import_recorder(audit.CLI, None, digests, source=kind),
        )
    report = result.report
    if not result.written:  # a written import was audited in its transaction
        record_refused(engine, [report], digests, source=kind)
    print_report(report)
    if not result.written:
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    console.print(f"[green]Import terminé ({result.seconds:.1f} s).[/green]")


@app.command("ademe")
def import_ademe(fichier: Fichier) -> None:
    """Aides attribuées par l'ADEME (CSV data.gouv.fr, schéma SCDL Subventions) : remplace les années du fichier."""
    run_source("ademe", fichier)


@app.command("france2030")
def import_france2030(fichier: Fichier) -> None:
    """Lauréats France 2030 (CSV, 16 colonnes) : remplace les années du fichier."""
    run_source("france2030", fichier)


@app.command("qpv-lieu-action")
def import_qpv_lieu_action(fichier: Fichier) -> None:
    """Ventilation des EJ par QPV du lieu de l'action (CSV) : remplace les années du fichier."""
    run_source("qpv-lieu-action", fichier)


@app.command("pvd")
def import_pvd(fichier: Fichier) -> None:
    """Communes Petites villes de demain (CSV data.gouv.fr) : remplace toute la liste."""
    run_source("pvd", fichier)


@app.command("acv")
def import_acv(fichier: Fichier) -> None:
    """Communes Action cœur de ville (CSV data.gouv.fr) : remplace toute la liste."""
    run_source("acv", fichier)


@app.command("qpv")
def import_qpv(
    fichier: Fichier,
    decoupage: Annotated[
        int | None,
        typer.Option(help="Découpage 2015 ou 2024 (sinon déduit du préfixe des codes : QP… ou QN…)."),
    ] = None,
) -> None:
    """Contours des quartiers prioritaires (GeoJSON ou shapefile .zip/.shp) : remplace le découpage."""
    if decoupage not in (None, 2015, 2024):
        err.print("[red]--decoupage : 2015 ou 2024.[/red]")
        raise typer.Exit(2)
    run_source("qpv", fichier, decoupage)


@app.command("siret-qpv")
def import_siret_qpv(fichier: Fichier) -> None:
    """Établissements en QPV (CSV `;` siret, plg_qp15, plg_qp24) : remplace toute la table."""
    run_source("siret-qpv", fichier)


@app.command("tags")
def import_tags(fichier: Fichier) -> None:
    """Étiquettes manuelles (CSV n_ej, n_poste_ej, tags) : remplace celles de chaque EJ/poste du fichier."""
    run_source("tags", fichier)
