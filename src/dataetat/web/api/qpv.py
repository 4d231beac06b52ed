"""Data QPV: dashboard and map of the lines of a search that land in a quartier prioritaire (query/qpv.py)."""

from __future__ import annotations

from fastapi import APIRouter

from dataetat.query import qpv
from dataetat.query.params import params_from_query
from dataetat.web.api import contrat
from dataetat.web.deps import CurrentIdentity, Db, SearchQuery

router = APIRouter(prefix="/api/v1/qpv")
# The lines a QPV page sums: programme 147, the others (droit commun), or all of them.
_PERIMETRE = {
    "name": "perimetre",
    "in": "query",
    "schema": {"type": "string", "enum": ["p147", "droit-commun", "total"]},
}


@router.get(
    "/tableau-de-bord",
    **contrat.search_route(_PERIMETRE),
)
async def tableau_de_bord(query: SearchQuery, me: CurrentIdentity, db: Db) -> dict:
    """Key figures and breakdowns of the search's lines in a QPV. `perimetre`: p147 (programme 147),
    droit-commun (every other line) or total (default); every other parameter: the search, as
    /api/v1/lignes. `total_financements` = Σ AE (a line split across QPVs counts its parts),
    `total_actions` = distinct lines, `total_porteurs` = distinct beneficiaries (SIRET); breakdowns
    `themes`, `types_porteurs` (no type: « Autres »), `financeurs` (centre de coûts, else operator),
    `annees`, each `{labels, values}`."""
    perimetre = query.pop("perimetre", None)
    params = params_from_query(query)
    result = await db.read(qpv.tableau_de_bord, params, perimetre, me.region)
    return result.as_dict()


@router.get(
    "/carte",
    **contrat.search_route(_PERIMETRE),
)
async def carte(query: SearchQuery, me: CurrentIdentity, db: Db) -> dict:
    """The QPVs having an amount in the search, as a GeoJSON FeatureCollection: geometry = the QPV's
    contour (null when unknown); properties code, label, montant (Σ AE), part (of the total, 0 to 1),
    actions, longitude and latitude of its centre. `perimetre` as for the dashboard."""
    perimetre = query.pop("perimetre", None)
    params = params_from_query(query)
    return await db.read(qpv.carte, params, perimetre, me.region)
