"""Command line: `dataetat db|import|query|generate|demo|serve|worker|user`. Messages in French."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dataetat.cli_common import console, engine_of_settings, err
from dataetat.ingest.problems import Report
from dataetat.model.enums import Kind
from dataetat.settings import Settings

app = typer.Typer(
    help="Data-État : importer, chercher et exporter les financements publics.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Base de données : création et migrations.", no_args_is_help=True)
import_app = typer.Typer(help="Importer des fichiers (Chorus, référentiels, SIRENE).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")


@db_app.command("init")
def db_init(
    referentiels: Annotated[
        bool, typer.Option("--referentiels", help="Recharger les référentiels embarqués.")
    ] = False,
) -> None:
    """Créer ou mettre à jour le schéma et charger les référentiels embarqués."""
    from dataetat.store import database

    engine = engine_of_settings()
    loaded = database.init(engine, force_referentiels=referentiels)
    if loaded:  # new referentials (themes, communes…) change what the tag rules find
        from dataetat.query import etiquetage

        with engine.begin() as conn:
            etiquetage.reapply(conn)
    for kind, count in loaded.items():
        console.print(f"référentiel {kind} : {count} lignes")
    console.print(f"Base prête : {Settings().database_url}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Appliquer les migrations du schéma."""
    from dataetat.store import migrate

    engine = engine_of_settings()
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
    from dataetat.query import etiquetage
    from dataetat.store import audit
    from dataetat.store.chorus_import import ImportOptions
    from dataetat.store.chorus_import import import_chorus as run

    engine = engine_of_settings()
    options = ImportOptions(annee=annee, region=region, expected_kind=type_, rejets=rejets)
    with _progress() as progress:
        task = progress.add_task("lecture", total=None)
        result = run(
            engine,
            fichiers,
            options,
            lambda name, n: progress.update(task, description=name, completed=n),
            apres=etiquetage.reapply,
        )
    digests = {f.name: sha256_of(f) for f in fichiers}
    with engine.begin() as conn:
        journal.record_import(
            conn,
            audit.CLI,
            None,
            [
                journal.fichier(
                    r.fichier, digests.get(r.fichier), r.lignes_lues, float(r.somme_ae), float(r.somme_cp)
                )
                for r in result.reports
            ],
            written=result.written,
            lignes_importees=sum(r.lignes_importees for r in result.reports),
            region_fichiers=region,
            annee=annee,
        )
    for report in result.reports:
        print_report(report)
    if not result.written:
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    if rejets and any(r.lignes_rejetees for r in result.reports):
        console.print(f"Lignes rejetées écrites dans {rejets}.")
    console.print("[green]Import terminé.[/green]")


@import_app.command("sirene")
def import_sirene(
    fichiers: Annotated[
        list[Path],
        typer.Argument(
            help="StockEtablissement et StockUniteLegale (CSV INSEE).", exists=True, dir_okay=False
        ),
    ],
) -> None:
    """Importer les bénéficiaires depuis les fichiers SIRENE (seuls les SIRET présents sont gardés)."""
    from dataetat.query import etiquetage
    from dataetat.store.beneficiaires import import_sirene as run

    count, reports = run(engine_of_settings(), fichiers, apres=etiquetage.reapply)
    for report in reports:
        if not report.valid:
            print_report(report)
    if any(not r.valid for r in reports):
        err.print("[red]Import refusé : la base n'a pas été modifiée.[/red]")
        raise typer.Exit(1)
    console.print(f"[green]{count} bénéficiaires importés.[/green]")


@import_app.command("referentiel")
def import_referentiel(
    kind: Annotated[str, typer.Argument(help="Type de référentiel (voir --help).")],
    fichier: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Charger une nouvelle version d'un référentiel : calculette, communes, epci, programme-theme…"""
    from dataetat.ingest.empreinte import sha256_of
    from dataetat.query import etiquetage
    from dataetat.referentiels.readers import KIND_HELP, READERS, ReferentielError
    from dataetat.store import audit, referentiels

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
    with engine_of_settings().begin() as conn:
        loaded = referentiels.load(conn, frames)
        etiquetage.reapply(conn)  # themes, communes, labels… change what the tag rules find
        audit.record(conn, "referentiel", audit.CLI, details=details | {"tables": loaded})
    for table, count in loaded.items():
        console.print(f"{table} : {count} lignes chargées")


@app.command("generate")
def generate(
    lignes: Annotated[int, typer.Option(help="Nombre de lignes AE + CP à écrire.")] = 100_000,
    out: Annotated[Path, typer.Option(help="Dossier de sortie.")] = Path("demo-data"),
    region: Annotated[str, typer.Option(help="Région des fichiers.")] = "53",
    seed: Annotated[int, typer.Option(help="Graine (mêmes arguments, mêmes fichiers).")] = 53,
) -> None:
    """Écrire des exports Chorus INF-BUD-53 réalistes (et leurs extraits SIRENE), déterministes."""
    from dataetat.demo.generator import generate as run

    with _progress() as progress:
        task = progress.add_task("génération", total=lignes)
        files = run(
            lignes, out, region=region, seed=seed, progress=lambda n: progress.update(task, completed=n)
        )
    console.print(
        f"{files.lignes} lignes écrites dans {out} (exercices {', '.join(map(str, files.exercices))})."
    )


@app.command("demo")
def demo(
    lignes: Annotated[int, typer.Option(help="Taille de la démo.")] = 200_000,
    out: Annotated[Path, typer.Option(help="Dossier des fichiers générés.")] = Path("demo-data"),
    host: str = "127.0.0.1",
    port: int = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Lancer le serveur ensuite.")
    ] = True,
) -> None:
    """Générer des données, les importer par le vrai chemin d'import, puis servir l'application."""
    from dataetat.demo.charger import DemoImportError, import_demo_sources, import_demo_zonages
    from dataetat.demo.generator import generate as run_generate
    from dataetat.demo.sources import generate_sources
    from dataetat.query import etiquetage
    from dataetat.store import database
    from dataetat.store.beneficiaires import import_sirene as run_sirene
    from dataetat.store.chorus_import import ImportOptions
    from dataetat.store.chorus_import import import_chorus as run_import

    engine = engine_of_settings()
    database.init(engine)
    files = run_generate(lignes, out)
    sources = generate_sources(out, files, seed=53)
    try:
        # QPV contours and SIRET→QPV first: the Chorus import then places its lines in their QPVs.
        import_demo_zonages(engine, sources, report=print_report)
        for ae, cp in zip(files.ae, files.cp, strict=True):
            result = run_import(
                engine, [ae, cp], ImportOptions(region=files.region), apres=etiquetage.reapply
            )
            for report in result.reports:
                print_report(report)
            if not result.written:
                raise typer.Exit(1)
        count, _ = run_sirene(
            engine, [files.sirene_etablissements, files.sirene_unites_legales], apres=etiquetage.reapply
        )
        console.print(f"{count} bénéficiaires importés depuis SIRENE.")
        import_demo_sources(engine, sources, report=print_report)
    except DemoImportError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e
    print_demo_accounts(create_demo_accounts(engine))
    engine.dispose()
    if serve_after:
        serve(host=host, port=port)


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Lancer l'application web (API JSON sous /api/v1)."""
    import uvicorn

    from dataetat.auth.sessions import ConfigurationError
    from dataetat.web.app import create_app

    try:
        web_app = create_app(Settings())
    except ConfigurationError as e:  # e.g. server mode without DATAETAT_SECRET_KEY
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from e
    console.print(f"Data-État sur http://{host}:{port}/ (API : http://{host}:{port}/docs)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@app.command("worker")
def worker(
    une_fois: Annotated[
        bool, typer.Option("--une-fois", help="Exécuter les tâches en attente puis s'arrêter.")
    ] = False,
) -> None:
    """Exécuter les tâches (exports) en file d'attente : en mode serveur (PostgreSQL), à côté de
    `dataetat serve` lancé avec DATAETAT_TACHES_DANS_LE_SERVEUR=false ; plusieurs workers peuvent tourner."""
    import time

    from dataetat.jobs.worker import Worker, run_pending

    settings = Settings()
    engine = engine_of_settings()
    if une_fois:
        console.print(f"{run_pending(engine, settings.dossier_exports)} tâche(s) exécutée(s).")
        return
    runner = Worker(engine, settings.dossier_exports, embedded=engine.dialect.name == "duckdb")
    runner.start()
    console.print("Worker démarré (Ctrl+C pour arrêter).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        runner.stop()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} lignes"),
        TimeElapsedColumn(),
        console=err,
    )


from dataetat import cli_sources  # noqa: E402,F401 - registers `import ademe|france2030|qpv|…`
from dataetat.cli_comptes import create_demo_accounts, print_demo_accounts, user_app  # noqa: E402
from dataetat.cli_query import query  # noqa: E402

app.command("query")(query)
app.add_typer(user_app, name="user")

if __name__ == "__main__":
    app()
