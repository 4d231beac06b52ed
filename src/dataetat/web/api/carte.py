"""The map of a search: Σ AE, Σ CP and line count per zone of a level (query/carte.py)."""

from __future__ import annotations

from fastapi import APIRouter

from dataetat.query.carte import carte as carte_of_search
from dataetat.query.params import params_from_query
from dataetat.web.api import contrat
from dataetat.web.deps import CurrentIdentity, Lecture, SearchQuery

router = APIRouter(prefix="/api/v1")


@router.get(
    "/carte",
    **contrat.search_route(
        {
            "name": "niveau",
            "in": "query",
            "schema": {"type": "string", "enum": ["region", "departement", "epci", "commune", "qpv"]},
        },
        {"name": "valeur", "in": "query", "schema": {"type": "string", "enum": ["montant_ae", "montant_cp"]}},
    ),
)
async def carte(query: SearchQuery, me: CurrentIdentity, db: Lecture) -> dict:
    """Zones of a search at one level. `niveau`: region, departement (default), epci, commune or qpv;
    `valeur`: montant_ae (default) or montant_cp (the order of the zones); every other parameter:
    the search, as /api/v1/lignes. A line is in the zone of its beneficiary, else of its
    localisation interministérielle; lines with neither at that level are counted in `sans_zone`,
    so that zones + sans_zone = total = the search's total."""
    query = dict(query)  # repeated lists joined, a repeated single value refused, like /api/v1/lignes
    niveau, valeur = query.pop("niveau", None), query.pop("valeur", None)
    params = params_from_query(query)
    result = await db.read(carte_of_search, params, niveau, valeur, me.region)
    return result.as_dict()
