"""`dataetat import decp FICHIER…`: public procurement data (DECP JSON or XML v2, consolidated CSV or
Parquet), checked whole, imported atomically, audited like the other imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataetat.cli.common import audited_failure, console, engine_of_settings, err, record_refused
from dataetat.cli.imports import app  # joins `dataetat import`
from dataetat.model.format_fr import euros


@app.command("decp")
def import_decp(
    fichiers: Annotated[
        list[Path],
        typer.Argument(
            help="Fichiers DECP : JSON ou XML réglementaires (format 2.0), fichier consolidé CSV ou Parquet.",
            exists=True,
            dir_okay=False,
        ),
    ],
    rejets: Annotated[
        Path | None,
        typer.Option(
            help="Importer les marchés valides et écrire le rapport (et les marchés rejetés) dans ce fichier JSON."
        ),
    ] = None,
) -> None:
    """Importer des données essentielles de la commande publique : un marché invalide refuse le fichier (sauf --rejets)."""
    from dataetat.ingest.empreinte import sha256_of
    from dataetat.jobs import journal
    from dataetat.store import audit
    from dataetat.store.marches_import import import_decp as run

    engine = engine_of_settings()
    digests = {f.name: sha256_of(f) for f in fichiers}
    with console.status("Import DECP…"), audited_failure(engine, digests, source="decp"):
        result = run(
            engine,
            fichiers,
            rejets=rejets,
            record=journal.import_recorder(audit.CLI, None, digests, source="decp"),
        )
    if not result.written:
        record_refused(engine, result.reports, digests, source="decp")
    for report in result.reports:
        _print(report)
    if rejets:
        console.print(f"Rapport écrit dans {rejets}.")
    if not result.written:
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    console.print(f"[green]Import terminé : {result.marches} marché(s) en {result.seconds:.1f} s.[/green]")


def _print(report) -> None:
    status = "[green]valide[/green]" if report.valid else "[red]refusé[/red]"
    console.print(f"[bold]{report.fichier}[/bold] ({report.format or 'format inconnu'}) : {status}")
    console.print(
        f"  lignes lues {report.lignes_lues}, importées {report.lignes_importees}, "
        f"rejetées {report.lignes_rejetees}, Σ montant {euros(report.somme_ae)}"
    )
    for p in report.problems[:30]:
        colour = "red" if p.niveau == "erreur" else "yellow"
        console.print(f"  [{colour}]{p.niveau}[/{colour}] {p.describe()}", highlight=False)
    hidden = report.error_count + report.warning_count - min(len(report.problems), 30)
    if hidden > 0:
        console.print(f"  … et {hidden} autre(s) problème(s).")
