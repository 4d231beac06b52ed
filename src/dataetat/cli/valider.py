"""`dataetat valider decp FICHIER [--format texte|json] [--entree json|xml|csv|parquet]`: check a DECP
file (JSON or XML, or the consolidated CSV/Parquet) against the official schema and the business
rules, without a database. Exit 0 when valid, 1 otherwise."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dataetat.cli.common import console

app = typer.Typer(help="Valider un fichier sans l'importer.", no_args_is_help=True)


class Sortie(StrEnum):
    texte = "texte"
    json = "json"


class Entree(StrEnum):
    json = "json"
    xml = "xml"
    csv = "csv"  # the consolidated (tabular) form
    parquet = "parquet"


MAX_LIGNES = 50


@app.command("decp")
def valider_decp(
    fichier: Annotated[
        Path,
        typer.Argument(
            help="Fichier DECP (JSON ou XML, format 2 ; ou CSV / Parquet consolidé).",
            exists=True,
            dir_okay=False,
        ),
    ],
    format: Annotated[Sortie, typer.Option("--format", help="Rapport en texte ou en JSON.")] = Sortie.texte,
    entree: Annotated[
        Entree | None,
        typer.Option(
            "--entree",
            help="Format du fichier (sinon : CSV ou Parquet d'après l'extension, JSON ou XML d'après le contenu).",
        ),
    ] = None,
) -> None:
    """Valider des données essentielles de la commande publique (schéma 2.0.3 et règles métier ; la
    forme consolidée CSV ou Parquet avec --entree csv|parquet ou l'extension du fichier)."""
    from dataetat.decp.validation import valider_fichier
    from dataetat.decp.validation.tabulaire import valider_tabulaire

    kind = entree.value if entree else fichier.suffix.lower().lstrip(".")
    if kind in ("csv", "parquet"):
        with fichier.open("rb") as f:
            rapport = valider_tabulaire(f, nom=fichier.name)
    else:
        rapport = valider_fichier(fichier, entree.value if entree else None)
    afficher(rapport, format)
    raise typer.Exit(0 if rapport.valide else 1)


def afficher(rapport, format: Sortie) -> None:
    if format is Sortie.json:
        json.dump(rapport.as_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    etat = "[green]valide[/green]" if rapport.valide else "[red]non valide[/red]"
    console.print(
        f"[bold]{escape(rapport.fichier)}[/bold] ({rapport.format or '?'}, schéma {rapport.schema}) : {etat}"
    )
    console.print(
        f"  enregistrements {rapport.enregistrements}, valides {rapport.valides}, "
        f"erreurs {rapport.erreurs}, avertissements {rapport.avertissements}",
        highlight=False,
    )
    for c in rapport.fichier_constats:
        couleur = "red" if c.niveau == "erreur" else "yellow"
        console.print(f"  [{couleur}]{c.niveau}[/{couleur}] fichier : {escape(c.message)}", highlight=False)
    shown = 0
    for r in rapport.details:
        for c in r.constats:
            if shown == MAX_LIGNES:
                console.print("  … et d'autres constats (--format json pour le rapport complet).")
                return
            couleur = "red" if c.niveau == "erreur" else "yellow"
            console.print(
                f"  [{couleur}]{c.niveau}[/{couleur}] "
                + escape(f"{r.type} n°{r.index} (id {r.id}) {c.chemin} [{c.code}] : {c.message}"),
                highlight=False,
            )
            shown += 1
