"""The page of a beneficiary, `/beneficiaires/{siret}`: who it is (SIRENE and referentials, else what
its lines carry), the totals of its lines by source, programme and year, and every one of its lines
(paged like the search), with links to the search and the exports. Région-scoped like the search:
a regional user sees only the lines of their région, and a 404 for a beneficiary of whom they see
no line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from dataetat.query import beneficiaires, fiches, marches_fiches
from dataetat.query.columns import BY_CODE
from dataetat.query.params import SearchParams
from dataetat.query.search import search
from dataetat.query.subventions import est_association
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.erreurs import page_not_found
from dataetat.web.pages.fiche_commune import annees, api_query, graphiques, part_pourcent, search_page_years
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
COLONNES = (
    "source",
    "annee",
    "n_ej",
    "programme_code",
    "objet",
    "localisation_code",
    "date_creation",
    "montant_ae",
    "montant_cp",
)


def _read(conn: Connection, siret: str, years: list[int], page: int, region: str | None) -> dict | None:
    who = beneficiaires.identite(conn, siret, region)
    if who is None:
        return None
    params = SearchParams(beneficiaire_code=[siret], annee=years)
    fiche = fiches.fiche(conn, params, region, beneficiaires=False)
    lines = SearchParams(
        beneficiaire_code=[siret],
        annee=years,
        colonnes=[n for n in COLONNES if n in BY_CODE],
        sort_by="annee",
        sort_order="desc",
        page=page,
        page_size=PAGE_SIZE,
    )
    marches = {
        "titulaire": marches_fiches.acteur(conn, siret, "titulaire", region),
        "acheteur": marches_fiches.acteur(conn, siret, "acheteur", region),
        "liens": marches_fiches.liens(conn, region, siret=siret),
    }
    return {"identite": who, "fiche": fiche, "resultat": search(conn, lines, region), "marches": marches}


@router.get("/beneficiaires/{siret}", response_class=HTMLResponse)
async def page_beneficiaire(
    siret: str,
    request: Request,
    me: CurrentIdentity,
    db: Db,
    annee: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
):
    years, erreurs = annees(annee)
    found = await db.read(_read, siret, years, page, me.region)
    if found is None:
        return page_not_found(
            request,
            "Bénéficiaire introuvable",
            "Aucun bénéficiaire de ce SIRET parmi ceux que vous pouvez voir : le SIRET est mal formé "
            "(il a 14 chiffres), inconnu, ou ses financements sont hors de votre région.",
        )
    who = found["identite"]
    search_url = "/?" + api_query(beneficiaires=siret, vue="lignes", **search_page_years(years))
    context: dict[str, Any] = {
        "page_active": None,
        "titre": who["denomination"] or f"SIRET {siret}",
        "b": who,
        "f": found["fiche"],
        "resultat": found["resultat"],
        "colonnes": [BY_CODE[n] for n in COLONNES if n in BY_CODE],
        "annees": years,
        "erreurs": erreurs,
        "page": page,
        "page_url": lambda p: f"/beneficiaires/{siret}?" + api_query(annee=years, page=p),
        "recherche_url": search_url,
        "api": api_query(beneficiaire_code=siret, annee=years),
        "graphiques": graphiques(found["fiche"]),
        "pourcent": part_pourcent,
        "sources": fiches.SOURCES,
        # The Data Subvention panel (loaded after the page): associations, and unknown catégories.
        "subventions": est_association(who["categorie_juridique"], who.get("rna")) is not False,
        "marches": found["marches"],
    }
    return templates.TemplateResponse(request, "beneficiaire.html", context)
