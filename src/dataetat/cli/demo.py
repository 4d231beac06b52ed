"""`dataetat generate|demo`: realistic Chorus files, and the demo (generate, import by the real
import path, create the demo accounts, serve)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataetat.cli.common import console, engine_of_settings, err, print_report, progress_bar
from dataetat.cli.comptes import create_demo_accounts, print_demo_accounts
from dataetat.cli.serve import serve


def generate(
    lignes: Annotated[int, typer.Option(help="Nombre de lignes AE + CP à écrire.")] = 100_000,
    out: Annotated[Path, typer.Option(help="Dossier de sortie.")] = Path("demo-data"),
    region: Annotated[str, typer.Option(help="Région des fichiers.")] = "53",
    seed: Annotated[int, typer.Option(help="Graine (mêmes arguments, mêmes fichiers).")] = 53,
) -> None:
    """Écrire des exports Chorus INF-BUD-53 réalistes (et leurs extraits SIRENE), déterministes."""
    from dataetat.demo.generator import generate as run

    with progress_bar() as progress:
        task = progress.add_task("génération", total=lignes)
        files = run(
            lignes, out, region=region, seed=seed, progress=lambda n: progress.update(task, completed=n)
        )
    console.print(
        f"{files.lignes} lignes écrites dans {out} (exercices {', '.join(map(str, files.exercices))})."
    )


REGION_52_SHARE = 4  # région 52's files: a quarter of the demo's size


def _import_demo_marches(engine, out: Path) -> None:
    """A small DECP file made from the demo's lines, imported by the real path (demo/marches.py)."""
    from dataetat.demo.marches import generate_marches
    from dataetat.store.marches_import import import_decp

    result = import_decp(engine, [generate_marches(engine, out)])
    if not result.written:
        for report in result.reports:
            print_report(report)
        raise typer.Exit(1)
    console.print(f"{result.marches} marchés publics (DECP) importés.")


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
    from dataetat.demo.charger import (
        DemoImportError,
        import_demo_sources,
        import_demo_zonages,
        load_demo_referentiels,
    )
    from dataetat.demo.generator import generate as run_generate
    from dataetat.demo.sources import generate_sources
    from dataetat.query.apres_import import apres_import
    from dataetat.store import database
    from dataetat.store.beneficiaires import import_sirene as run_sirene
    from dataetat.store.chorus_import import ImportOptions
    from dataetat.store.chorus_import import import_chorus as run_import

    engine = engine_of_settings()
    database.init(engine)
    files = run_generate(lignes, out)
    # Région 52's own regional files, so that the USERS 52 account has data of its own (its EJ
    # numbers may be 53's too, as in real regional files: each région sees only its own lines).
    files_52 = run_generate(max(1, lignes // REGION_52_SHARE), out / "region-52", region="52", seed=52)
    sources = generate_sources(out, files, seed=53)
    load_demo_referentiels(engine, files.referentiels, files_52.referentiels)
    try:
        # QPV contours and SIRET→QPV first: the Chorus import then places its lines in their QPVs.
        import_demo_zonages(engine, sources, report=print_report)
        for generated in (files, files_52):
            for ae, cp in zip(generated.ae, generated.cp, strict=True):
                result = run_import(
                    engine, [ae, cp], ImportOptions(region=generated.region), apres=apres_import
                )
                for report in result.reports:
                    print_report(report, brief=True)  # the restated postes of generated files: expected
                if not result.written:
                    raise typer.Exit(1)
        count = 0
        for generated in (files, files_52):
            n, _ = run_sirene(
                engine,
                [generated.sirene_etablissements, generated.sirene_unites_legales],
                apres=apres_import,
            )
            count += n
        console.print(f"{count} bénéficiaires importés depuis SIRENE.")
        import_demo_sources(engine, sources, report=print_report)
        _import_demo_marches(engine, out)
    except DemoImportError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from e
    print_demo_accounts(create_demo_accounts(engine))
    engine.dispose()
    if serve_after:
        serve(host=host, port=port)
