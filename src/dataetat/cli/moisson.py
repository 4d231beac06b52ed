"""`dataetat catalogues ajouter|liste` (the register of DECP catalogues) and `dataetat moissonner
[URL]` (harvest one catalogue or all: read the DCAT pages, validate every DECP file, import what
is valid). See docs/decp.md « Harvest »."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from dataetat.cli.common import console, engine_of_settings, err

app = typer.Typer(help="Registre des catalogues DCAT de données essentielles (DECP).", no_args_is_help=True)
NIVEAUX = ("national", "region", "departement", "epci", "commune")


@app.command("ajouter")
def ajouter(
    url: Annotated[str, typer.Argument(help="Adresse du catalogue DCAT (Turtle, RDF/XML ou JSON-LD).")],
    contact: Annotated[
        str | None, typer.Option("--contact", help="Contact du producteur (courriel).")
    ] = None,
    zone: Annotated[
        str | None, typer.Option("--zone", help="Code COG de la zone couverte (ex. 53, 35, 35238).")
    ] = None,
    niveau: Annotated[
        str | None, typer.Option("--niveau", help=f"Niveau de la zone : {', '.join(NIVEAUX)}.")
    ] = None,
    producteur: Annotated[str | None, typer.Option("--producteur", help="SIRET du producteur.")] = None,
    nom: Annotated[str | None, typer.Option("--nom", help="Nom du producteur.")] = None,
) -> None:
    """Inscrire un catalogue au registre."""
    from dataetat.store import moisson

    if not url.startswith(("http://", "https://")):
        err.print(f"[red]Adresse invalide : {escape(url)} (attendu http:// ou https://).[/red]")
        raise typer.Exit(2)
    if niveau is not None and niveau not in NIVEAUX:
        err.print(f"[red]Niveau de zone inconnu : {escape(niveau)} (attendu {', '.join(NIVEAUX)}).[/red]")
        raise typer.Exit(2)
    if producteur and not (producteur.isdigit() and len(producteur) == 14):
        err.print(f"[red]SIRET du producteur invalide : {escape(producteur)} (14 chiffres).[/red]")
        raise typer.Exit(2)
    engine = engine_of_settings()
    try:
        with engine.begin() as conn:
            ident = moisson.ajouter_catalogue(
                conn, url, now=datetime.now(), contact=contact, zone_code=zone, zone_niveau=niveau,
                producteur_siret=producteur, producteur_nom=nom,
            )  # fmt: skip
    except moisson.CatalogueDejaInscrit as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Catalogue n° {ident} inscrit : {escape(url)}")


@app.command("liste")
def liste() -> None:
    """Lister les catalogues et leur dernière moisson."""
    from dataetat.store import moisson

    with engine_of_settings().connect() as conn:
        rows = moisson.catalogues(conn)
    if not rows:
        console.print("Aucun catalogue inscrit.")
    for c in rows:
        last = "jamais moissonné"
        if c["derniere_moisson"]:
            taux = f"{100 * c['valides'] / c['enregistrements']:.1f} %" if c["enregistrements"] else "—"
            last = f"{c['derniere_moisson']:%d/%m/%Y %H:%M} ({c['statut']}) : {c['enregistrements']} enregistrements, {taux} valides"
        console.print(
            f"n° {c['id']} {escape(c['url'])} — zone {c['zone_code'] or '?'} — {last}", highlight=False
        )


def moissonner(
    url: Annotated[str | None, typer.Argument(help="Catalogue inscrit à moissonner (sinon tous).")] = None,
) -> None:
    """Moissonner les catalogues DECP : valider chaque fichier, importer ce qui est valide."""
    from dataetat.jobs.moisson import moissonner as run
    from dataetat.settings import Settings

    engine = engine_of_settings()
    try:
        bilans = run(engine, Settings(), url)
    except LookupError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    for b in bilans:
        colour = {"ok": "green", "partielle": "yellow"}.get(b.statut, "red")
        console.print(
            f"[{colour}]{b.statut}[/{colour}] {escape(b.url)} : {b.pages} page(s), {b.jeux} jeu(x), "
            f"{b.distributions} distribution(s), {b.fichiers} fichier(s) DECP validé(s) "
            f"({b.fichiers_deja_vus} déjà vu(s)), {b.enregistrements} enregistrement(s) dont {b.valides} valide(s), "
            f"{b.importes} importé(s) en {b.secondes:.1f} s",
            highlight=False,
        )
        for e in b.erreurs[:20]:
            console.print(f"  [red]erreur[/red] {escape(e)}", highlight=False)
    if any(b.statut == "erreur" for b in bilans):
        raise typer.Exit(1)
