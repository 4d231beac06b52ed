"""The page of a territory, `/territoires/{niveau}/{code}` ("VisuTerritoire"): everything that lands
on a région, département, EPCI, commune or quartier prioritaire — the zone filter of the search
(niveau_geo + code_geo, same semantics as the API) — as key figures, breakdowns by source, thème,
programme and year, the top beneficiaries, charts and a map; optional years (`?annee=2023,2024`).
Printable (app.css `@media print`): what agents bring to a meeting with elected officials."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from dataetat.query import details, fiches, marches_fiches, territoires
from dataetat.query.params import SearchParams
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.erreurs import page_not_found
from dataetat.web.pages.fiche_commune import annees, api_query, graphiques, part_pourcent, search_page_years
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
CARTE = {"region", "departement", "epci", "commune", "qpv", "qpv24"}  # levels the map of the search draws


def _read(conn: Connection, niveau: str, code: str, years: list[int], region: str | None) -> dict | None:
    zone = territoires.territoire(conn, niveau, code, region)
    if zone is None:
        return None
    params = SearchParams(niveau_geo=niveau, code_geo=[code], annee=years)
    return {
        "zone": zone,
        "fiche": fiches.fiche(conn, params, region),
        "annees_connues": sorted(details.years(conn, region), reverse=True),
        "commande_publique": marches_fiches.territoire(conn, niveau, code, region),
    }


@router.get("/territoires/{niveau}/{code}", response_class=HTMLResponse)
async def page_territoire(
    niveau: str,
    code: str,
    request: Request,
    me: CurrentIdentity,
    db: Db,
    annee: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
):
    years, erreurs = annees(annee)
    niveau = niveau.lower()
    found = await db.read(_read, niveau, code, years, me.region) if niveau in territoires.NIVEAUX else None
    if found is None:
        return page_not_found(
            request,
            "Territoire introuvable",
            f"Aucun territoire « {niveau[:20]} » de code « {code[:20]} » : les niveaux possibles sont "
            + ", ".join(territoires.NIVEAUX)
            + ", et le code doit être celui d'une zone connue des référentiels (ex. /territoires/departement/35).",
        )
    zone = found["zone"]
    search = {"niveau_geo": niveau, "code_geo": code, **search_page_years(years)}
    api = api_query(niveau_geo=niveau, code_geo=code, annee=years)
    context: dict[str, Any] = {
        "page_active": None,
        "titre": f"{zone['label']} ({zone['niveau_label'].lower()} {code})",
        "z": zone,
        "cp": found["commande_publique"],
        "niveau": niveau,
        "code": code,
        "f": found["fiche"],
        "annees": years,
        "annees_connues": found["annees_connues"],
        "erreurs": erreurs,
        "recherche_url": "/?" + api_query(**search, vue="lignes"),
        "recherche": search,
        "api": api,
        "carte": niveau in CARTE,
        "carte_page": "/?" + api_query(**search),
        "graphiques": graphiques(found["fiche"]),
        "pourcent": part_pourcent,
        "programme_url": lambda p: "/?" + api_query(**search, programmes=p, vue="lignes"),
    }
    return templates.TemplateResponse(request, "territoire.html", context)
