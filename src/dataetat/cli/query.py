"""`dataetat query`: every parameter of the query contract as an option; table, JSON or CSV output."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from dataetat.cli.common import console, engine_of_settings, err
from dataetat.model.format_fr import euros
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import search

List = Annotated[str | None, typer.Option(help="Valeurs séparées par des virgules.")]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _split(value: str | None, sep: str = ",") -> list[str]:
    return [v.strip() for v in value.split(sep) if v.strip()] if value else []


def query(
    code_programme: List = None,
    niveau_geo: Annotated[
        str | None, typer.Option(help="region, departement, arrondissement, epci, commune.")
    ] = None,
    code_geo: List = None,
    annee: List = None,
    beneficiaire_code: List = None,
    beneficiaire_categorie_juridique_type: List = None,
    tags: List = None,
    domaine_fonctionnel: List = None,
    referentiel_programmation: List = None,
    centres_couts: List = None,
    n_ej: List = None,
    theme: Annotated[str | None, typer.Option(help="Thèmes séparés par « | ».")] = None,
    source: Annotated[str | None, typer.Option(help="FINANCIAL_DATA_AE ou FINANCIAL_DATA_CP.")] = None,
    data_source: Annotated[str | None, typer.Option(help="REGION ou NATION.")] = None,
    source_region: List = None,
    grouping: List = None,
    grouped: List = None,
    sort_by: Annotated[str | None, typer.Option()] = None,
    sort_order: Annotated[str | None, typer.Option(help="asc ou desc.")] = None,
    page: int = 1,
    page_size: int = 100,
    colonnes: List = None,
    format: Annotated[Format, typer.Option("--format", help="Sortie : table, json ou csv.")] = Format.table,
) -> None:
    """Chercher des lignes financières (ou des groupes) et leurs totaux."""

    try:
        params = SearchParams(
            code_programme=_split(code_programme),
            niveau_geo=niveau_geo,
            code_geo=_split(code_geo),
            annee=[int(a) for a in _split(annee)],
            beneficiaire_code=_split(beneficiaire_code),
            beneficiaire_categorieJuridique_type=_split(beneficiaire_categorie_juridique_type),
            tags=_split(tags),
            domaine_fonctionnel=_split(domaine_fonctionnel),
            referentiel_programmation=_split(referentiel_programmation),
            centres_couts=_split(centres_couts),
            n_ej=_split(n_ej),
            theme=_split(theme, "|"),
            source=source,
            data_source=data_source,
            source_region=_split(source_region),
            grouping=_split(grouping),
            grouped=_split(grouped),
            sort_by=sort_by,
            sort_order=sort_order,
            page=page,
            page_size=page_size,
            colonnes=_split(colonnes),
        )
        with engine_of_settings().connect() as conn:
            result = search(conn, params)
    except (QueryError, ValueError) as e:
        err.print(f"[red]Paramètre refusé : {e}[/red]")
        raise typer.Exit(2) from e
    rows = result.groupes if result.groupes is not None else result.lignes or []
    key = "groupes" if result.groupes is not None else "lignes"
    total = {
        "count": result.total.count,
        "montant_ae": result.total.montant_ae,
        "montant_cp": result.total.montant_cp,
    }
    if format == Format.json:
        sys.stdout.write(
            json.dumps({"total": total, key: rows, "has_next": result.has_next}, ensure_ascii=False) + "\n"
        )
    elif format == Format.csv:
        writer = csv.writer(sys.stdout, delimiter=";")
        if rows:
            writer.writerow(rows[0].keys())
            writer.writerows(r.values() for r in rows)
    else:
        table = Table(
            title=f"{total['count']} lignes — Σ AE {euros(total['montant_ae'])} — Σ CP {euros(total['montant_cp'])}"
        )
        for name in rows[0].keys() if rows else []:
            table.add_column(name)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r.values()))
        console.print(table)
        if result.has_next:
            console.print(f"… page suivante : --page {page + 1}")
