"""Financial lines: search (lines or groups), one line, its payments, the years, the pivot table."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as FastAPIPath

from dataetat.model.tags import with_labels
from dataetat.query import details
from dataetat.query.columns import COLONNES
from dataetat.query.params import QueryError, params_from_query
from dataetat.query.pivot import PivotResult, pivot
from dataetat.query.search import search
from dataetat.web.api import contrat
from dataetat.web.deps import CurrentIdentity, Database, Db, Identity, Lecture, SearchQuery
from dataetat.web.errors import NotFound

router = APIRouter(prefix="/api/v1")
LineId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]


@router.get("/colonnes")
async def colonnes() -> list[dict]:
    """The column registry: code, French label, shown by default, groupable, sortable."""
    return [dataclasses.asdict(c) | {"sortable": c.sortable} for c in COLONNES]


@router.get("/lignes", **contrat.search_route())
async def lignes(query: SearchQuery, me: CurrentIdentity, db: Lecture) -> dict:
    """Lines of a search (or the groups of the opened drill-down level), with the totals of the
    whole result. Parameters: the query contract (docs/api.md)."""
    params = params_from_query(query)
    result = await db.read(search, params, me.region)
    body = {
        "total": dataclasses.asdict(result.total),
        "has_next": result.has_next,
        "page": params.page,
        "page_size": params.page_size,
        "filtres": result.description,
    }
    if result.groupes is not None:
        body["groupes"] = result.groupes
    else:
        body["lignes"] = [_labelled(line) for line in result.lignes or []]
    return body


def _labelled(line: dict) -> dict:
    if "tags" in line:
        line["tags"] = with_labels(line["tags"])
    return line


def _missing(line_id: int) -> NotFound:
    return NotFound("ligne-introuvable", f"Aucune ligne {line_id} (ou hors de votre région).")


@router.get("/lignes/{line_id}", responses=contrat.ERRORS | contrat.NOT_FOUND)
async def ligne(line_id: LineId, me: CurrentIdentity, db: Db) -> dict:
    found = await db.read(details.line, line_id, me.region)
    if found is None:
        raise _missing(line_id)
    return _labelled(found)


@router.get("/lignes/{line_id}/paiements", responses=contrat.ERRORS | contrat.NOT_FOUND)
async def paiements(line_id: LineId, me: CurrentIdentity, db: Db) -> dict:
    found = await db.read(details.payments, line_id, me.region)
    if found is None:
        raise _missing(line_id)
    return {"ligne": line_id, "paiements": found}


@router.get("/annees")
async def annees(me: CurrentIdentity, db: Db) -> list[int]:
    return await db.read(details.years, me.region)


async def pivot_of(query: dict[str, str], me: Identity, db: Database) -> PivotResult:
    query = dict(query)
    dims = {k: query.pop(k, None) for k in ("lignes", "colonnes", "valeur")}
    if not dims["lignes"] or not dims["colonnes"]:
        raise QueryError(
            "Le tableau dynamique demande lignes et colonnes (ex. lignes=programme_code&colonnes=annee)."
        )
    params = params_from_query(query)
    return await db.read(
        pivot, params, dims["lignes"], dims["colonnes"], dims["valeur"] or "montant_ae", me.region
    )


@router.get("/pivot", **contrat.search_route(*contrat.PIVOT))
async def tableau_dynamique(query: SearchQuery, me: CurrentIdentity, db: Lecture) -> dict:
    """Rows × columns of a search (`lignes`, `colonnes`: groupable columns; `valeur`:
    montant_ae, montant_cp or count), with row, column and grand totals."""
    return (await pivot_of(query, me, db)).as_dict()
