"""`dataetat enrichir`: ask the company registers about the beneficiaries, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer

from dataetat.cli.common import console, engine_of_settings, err, progress_bar
from dataetat.settings import Settings


def enrichir(
    siret: Annotated[
        list[str] | None, typer.Option("--siret", help="Ce SIRET seulement (répétable).")
    ] = None,
    max_: Annotated[int | None, typer.Option("--max", min=1, help="Au plus N SIRET.")] = None,
    plus_vieux_que: Annotated[
        float | None,
        typer.Option(
            "--plus-vieux-que", min=0, help="Seulement les SIRET rafraîchis il y a plus de JOURS jours."
        ),
    ] = None,
) -> None:
    """Enrichir les bénéficiaires des lignes financières (Recherche d'entreprises, API Entreprise si un
    jeton est configuré) : les jamais enrichis d'abord, puis les plus anciens."""
    from dataetat.jobs import enrichissement
    from dataetat.query.apres_import import apres_import
    from dataetat.store.enrichissement import taux_geolocalisation, valid_siret

    bad = [s for s in siret or [] if not valid_siret(s)]
    if bad:
        err.print(f"[red]SIRET invalide : {', '.join(bad)} (14 chiffres attendus).[/red]")
        raise typer.Exit(2)
    settings, engine = Settings(), engine_of_settings()
    parametres = {"sirets": siret or None, "limite": max_, "plus_vieux_que_jours": plus_vieux_que}
    with engine.connect() as conn:
        sirets = enrichissement.selection(conn, parametres)
        avant = taux_geolocalisation(conn)
    if not sirets:
        console.print("Aucun SIRET à enrichir.")
        return
    with progress_bar("SIRET") as progress:
        task = progress.add_task("enrichissement", total=len(sirets))
        bilan = enrichissement.enrichir(
            engine, settings, sirets, lambda n: progress.update(task, completed=n), apres=apres_import
        )
    with engine.connect() as conn:
        apres = taux_geolocalisation(conn)
    console.print(
        f"{bilan.demandes} SIRET demandés : {bilan.enrichis} enrichis, {bilan.non_diffusibles} non diffusibles, "
        f"{bilan.introuvables} inconnus, {bilan.nb_erreurs} en erreur ({bilan.as_dict()['par_minute'] or 0} par minute)."
    )
    console.print(f"Lignes géolocalisées : {avant.pourcentage} % avant, {apres.pourcentage} % après.")
    for e in bilan.erreurs[:10]:
        err.print(f"  {e['siret']} : {e['message']}")
    if bilan.interrompu:
        err.print(
            f"[yellow]Interrompu : {bilan.interrompu} {bilan.non_rafraichis} SIRET non rafraîchis : relancez plus tard.[/yellow]"
        )
        raise typer.Exit(1)
