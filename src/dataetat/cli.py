"""Command line: `dataetat db|import|query|generate|demo|serve`. Messages in French."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dataetat.ingest.problems import Report
from dataetat.model.enums import Kind
from dataetat.settings import Settings
from dataetat.store.engine import StoreError, make_engine

app = typer.Typer(
    help="Data-État : importer, chercher et exporter les financements publics.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Base de données : création et migrations.", no_args_is_help=True)
import_app = typer.Typer(help="Importer des fichiers (Chorus, référentiels, SIRENE).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _engine():
    try:
        return make_engine(Settings())
    except StoreError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e


@db_app.command("init")
def db_init(
    referentiels: Annotated[bool, typer.Option("--referentiels", help="Recharger les référentiels embarqués.")] = False,
) -> None:
    """Créer ou mettre à jour le schéma et charger les référentiels embarqués."""
    from dataetat.store import database

    loaded = database.init(_engine(), force_referentiels=referentiels)
    for kind, count in loaded.items():
        console.print(f"référentiel {kind} : {count} lignes")
    console.print(f"Base prête : {Settings().database_url}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Appliquer les migrations du schéma."""
    from dataetat.store import migrate

    engine = _engine()
    migrate.upgrade(engine)
    console.print(f"Schéma à jour (révision {migrate.current(engine)}).")


def print_report(report: Report) -> None:
    d = report.as_dict()
    status = "[green]valide[/green]" if report.valid else "[red]refusé[/red]"
    console.print(f"[bold]{report.fichier}[/bold] ({report.format or 'format inconnu'}) : {status}")
    console.print(
        f"  lignes lues {d['lignes_lues']}, importées {d['lignes_importees']}, rejetées {d['lignes_rejetees']}, "
        f"Σ AE {_euros(report.somme_ae)}, Σ CP {_euros(report.somme_cp)}"
    )
    for p in report.problems[:50]:
        colour = "red" if p.niveau == "erreur" else "yellow"
        console.print(f"  [{colour}]{p.niveau}[/{colour}] {p.describe()}", highlight=False)
    hidden = report.error_count + report.warning_count - min(len(report.problems), 50)
    if hidden > 0:
        console.print(f"  … et {hidden} autre(s) problème(s).")


def _euros(value) -> str:
    return f"{value:,.2f} €".replace(",", "\u202f").replace(".", ",")


@import_app.command("chorus")
def import_chorus(
    fichiers: Annotated[list[Path], typer.Argument(help="Fichiers Chorus (AE, CP ; régionaux ou nationaux).", exists=True, dir_okay=False)],
    annee: Annotated[Optional[int], typer.Option(help="Exercice comptable (sinon lu dans l'en-tête).")] = None,
    region: Annotated[Optional[str], typer.Option(help="Région INSEE des fichiers régionaux (ex. 53).")] = None,
    rejets: Annotated[Optional[Path], typer.Option(help="Importer les lignes valides et écrire les rejetées dans ce fichier.")] = None,
    type_: Annotated[Optional[Kind], typer.Option("--type", help="Type attendu (ae ou cp) : refuse un autre type.")] = None,
) -> None:
    """Importer des exports Chorus : format détecté, fichier vérifié en entier, import atomique."""
    from dataetat.store.chorus_import import ImportOptions, import_chorus as run

    engine = _engine()
    options = ImportOptions(annee=annee, region=region, expected_kind=type_, rejets=rejets)
    with _progress() as progress:
        task = progress.add_task("lecture", total=None)
        result = run(engine, fichiers, options, lambda name, n: progress.update(task, description=name, completed=n))
    for report in result.reports:
        print_report(report)
    if not result.written:
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    if rejets and any(r.lignes_rejetees for r in result.reports):
        console.print(f"Lignes rejetées écrites dans {rejets}.")
    console.print("[green]Import terminé.[/green]")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} lignes"), TimeElapsedColumn(), console=err)


from dataetat.cli_query import query  # noqa: E402

app.command("query")(query)

if __name__ == "__main__":
    app()
