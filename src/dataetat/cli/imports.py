"""`dataetat import chorus|annuler|sirene|referentiel`: Chorus exports (and the undo of the last
import of an exercice), SIRENE extracts and new versions of a referential, each checked whole and
imported atomically. The other sources' commands
(`import ademe|france2030|qpv|…`) are in cli/sources.py, on the same `app`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataetat import scratch
from dataetat.cli.common import (
    audited_failure,
    console,
    engine_of_settings,
    err,
    print_report,
    progress_bar,
    record_refused,
)
from dataetat.model.enums import Kind
from dataetat.model.format_fr import euros

app = typer.Typer(help="Importer des fichiers (Chorus, référentiels, SIRENE).", no_args_is_help=True)


@app.command("chorus")
def import_chorus(
    fichiers: Annotated[
        list[Path],
        typer.Argument(
            help="Fichiers Chorus (AE, CP ; régionaux ou nationaux).", exists=True, dir_okay=False
        ),
    ],
    annee: Annotated[int | None, typer.Option(help="Exercice comptable (sinon lu dans l'en-tête).")] = None,
    region: Annotated[str | None, typer.Option(help="Région INSEE des fichiers régionaux (ex. 53).")] = None,
    rejets: Annotated[
        Path | None,
        typer.Option(help="Importer les lignes valides et écrire les rejetées dans ce fichier."),
    ] = None,
    type_: Annotated[
        Kind | None, typer.Option("--type", help="Type attendu (ae ou cp) : refuse un autre type.")
    ] = None,
) -> None:
    """Importer des exports Chorus : format détecté, fichier vérifié en entier, import atomique."""
    from dataetat.ingest.empreinte import sha256_of
    from dataetat.jobs import journal
    from dataetat.query.apres_import import apres_import
    from dataetat.store import audit
    from dataetat.store.chorus_import import ImportOptions
    from dataetat.store.chorus_import import import_chorus as run

    engine = engine_of_settings()
    scratch.sweep()  # what a killed import left in the temporary folder
    options = ImportOptions(annee=annee, region=region, expected_kind=type_, rejets=rejets, qui=audit.CLI)
    digests = {f.name: sha256_of(f) for f in fichiers}
    details = {"region_fichiers": region, "annee": annee}
    with progress_bar() as progress, audited_failure(engine, digests, **details):
        task = progress.add_task("lecture", total=None)
        result = run(
            engine,
            fichiers,
            options,
            lambda name, n: progress.update(task, description=name, completed=n),
            apres=apres_import,
            record=journal.import_recorder(audit.CLI, None, digests, **details),
        )
    if not result.written:  # a written import was audited in its transaction
        record_refused(engine, result.reports, digests, **details)
    for report in result.reports:
        print_report(report)
    if not result.written:
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    if rejets and any(r.lignes_rejetees for r in result.reports):
        console.print(f"Lignes rejetées écrites dans {rejets}.")
    print_replaced(result.flux)
    console.print("[green]Import terminé.[/green]")
    queue_enrichment(engine)
    if any(f.lignes_avant for f in result.flux):
        console.print(
            "L'état d'avant est gardé jusqu'au prochain import de cet exercice : "
            "« dataetat import annuler --region R --annee N » le rétablit."
        )


def queue_enrichment(engine) -> None:
    """After a written import: the enrichment of its new beneficiaries, as a job for the workers."""
    from dataetat.jobs import enrichissement
    from dataetat.settings import Settings
    from dataetat.store import audit

    if not Settings().enrichissement_apres_import:
        return
    with engine.begin() as conn:
        job_id = enrichissement.submit(conn, audit.CLI, None, nouveaux=True)
    console.print(
        f"Enrichissement des nouveaux bénéficiaires en file (tâche n° {job_id}) : le serveur ou "
        "« dataetat worker » l'exécutera (ou « dataetat enrichir » tout de suite)."
    )


def print_replaced(flux) -> None:
    """What the import replaced, per exercice and feed: lines and Σ before → after."""
    for f in flux:
        what = "AE" if f.type == "ae" else "CP"
        if f.lignes_avant:
            console.print(
                f"Remplacé : {what} {f.data_source} région {f.source_region} {f.annee} : "
                f"{f.lignes_avant} ligne(s), Σ {euros(f.somme_avant)} → "
                f"{f.lignes_apres} ligne(s), Σ {euros(f.somme_apres)}"
            )
        else:
            console.print(
                f"Nouveau : {what} {f.data_source} région {f.source_region} {f.annee} : "
                f"{f.lignes_apres} ligne(s), Σ {euros(f.somme_apres)}"
            )


@app.command("annuler")
def import_annuler(
    region: Annotated[str, typer.Option(help="Région INSEE de l'import à annuler (ex. 53).")],
    annee: Annotated[int, typer.Option(help="Exercice de l'import à annuler.")],
    source: Annotated[
        str | None, typer.Option(help="Flux : REGION ou NATION (sinon le dernier import de l'exercice).")
    ] = None,
) -> None:
    """Annuler le dernier import d'un exercice : les données qu'il a remplacées sont rétablies."""
    from dataetat.query.apres_import import apres_import
    from dataetat.store import annulation, audit
    from dataetat.store.engine import data_write

    if source is not None and source.upper() not in ("REGION", "NATION"):
        err.print(f"[red]--source « {source} » : REGION ou NATION.[/red]")
        raise typer.Exit(2)
    engine = engine_of_settings()
    try:
        with data_write(engine) as conn:
            lot = annulation.find(conn, region, annee, source.upper() if source else None)
            if lot is None:
                raise annulation.AnnulationImpossible(
                    f"Aucun import de la région {region} pour {annee} ne peut être annulé "
                    "(aucun, déjà annulé, ou son état précédent n'est plus gardé)."
                )
            annulation.annuler(conn, lot.id, audit.CLI, None, apres=apres_import)
    except annulation.AnnulationImpossible as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    for f in lot.flux:
        what = "AE" if f.type == "ae" else "CP"
        console.print(
            f"Rétabli : {what} {f.data_source} région {f.source_region} {f.annee} : "
            f"{f.lignes_apres} ligne(s), Σ {euros(f.somme_apres)} → {f.lignes_avant} ligne(s), Σ {euros(f.somme_avant)}"
        )
    console.print(f"[green]Import n° {lot.id} annulé.[/green]")


@app.command("sirene")
def import_sirene(
    fichiers: Annotated[
        list[Path],
        typer.Argument(
            help="StockEtablissement et StockUniteLegale (CSV INSEE).", exists=True, dir_okay=False
        ),
    ],
) -> None:
    """Importer les bénéficiaires depuis les fichiers SIRENE (seuls les SIRET présents sont gardés)."""
    from dataetat.query.apres_import import apres_import
    from dataetat.store.beneficiaires import import_sirene as run

    count, reports = run(engine_of_settings(), fichiers, apres=apres_import)
    for report in reports:
        if not report.valid:
            print_report(report)
    if any(not r.valid for r in reports):
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    console.print(f"[green]{count} bénéficiaires importés.[/green]")


@app.command("referentiel")
def import_referentiel(
    kind: Annotated[str, typer.Argument(help="Type de référentiel (voir --help).")],
    fichier: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Charger une nouvelle version d'un référentiel : calculette, communes, epci, programme-theme…"""
    from dataetat.ingest.empreinte import sha256_of
    from dataetat.query.apres_import import apres_import
    from dataetat.referentiels.readers import KIND_HELP, READERS, ReferentielError
    from dataetat.store import audit, referentiels
    from dataetat.store.engine import data_write

    if kind not in READERS:
        err.print(f"[red]Référentiel « {kind} » inconnu. Types possibles :[/red]")
        for name, help_text in KIND_HELP.items():
            err.print(f"  {name} : {help_text}")
        raise typer.Exit(2)
    try:
        frames = READERS[kind](fichier)
    except ReferentielError as e:  # refused before the database is opened: nothing to audit there
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e
    details = {"type": kind, "fichier": fichier.name, "sha256": sha256_of(fichier)}
    with data_write(engine_of_settings()) as conn:
        loaded = referentiels.load(conn, frames)
        apres_import(conn)  # themes, communes, labels… change what the tag rules find (and the open cells)
        audit.record(conn, "referentiel", audit.CLI, details=details | {"tables": loaded})
    for table, count in loaded.items():
        console.print(f"{table} : {count} lignes chargées")
