"""The open aggregates, anonymous (no account): `/api/v1/ouvert/…`. Every figure comes from
query/ouvert.py (the statistical secrecy rule); no line, no beneficiary is ever reachable here."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.engine import Connection

from dataetat.catalog import fichiers_ouverts
from dataetat.query import ouvert, territoires
from dataetat.query.ouvert_fiche import fiche_ouverte
from dataetat.query.params import QueryError
from dataetat.web.deps import Db
from dataetat.web.errors import NotFound

router = APIRouter(prefix="/api/v1/ouvert", tags=["Données ouvertes (sans compte)"])
CODE = re.compile(r"^[0-9A-Za-z]{1,12}$")
MAX_PAGE = 5000


def seuil(request: Request) -> int:
    return request.app.state.settings.secret_statistique_seuil


def check(niveau: str | None, code: str | None, sources: list[str], region: str | None) -> None:
    """French 400s for parameters the open aggregates cannot apply."""
    if niveau is not None and niveau not in ouvert.NIVEAUX:
        raise QueryError(f"Niveau « {niveau[:20]} » inconnu : niveaux possibles {', '.join(ouvert.NIVEAUX)}.")
    if code is not None and not CODE.match(code):
        raise QueryError(f"Code de zone « {code[:20]} » invalide : lettres et chiffres seulement.")
    for s in sources:
        if s not in ouvert.FAMILLES:
            raise QueryError(
                f"Source « {s[:20]} » inconnue : sources possibles {', '.join(ouvert.FAMILLES)}."
            )
    if region is not None and not re.match(r"^\d{2}$", region):
        raise QueryError(f"Région « {region[:20]} » invalide : un code INSEE à deux chiffres (ex. 53).")


def territoire(conn: Connection, niveau: str, code: str, n: int, annees: list[int]) -> dict[str, Any] | None:
    """The open figures of one zone (None when it is unknown)."""
    every = ouvert.cellules(conn, niveau, n, code=code)
    cells = [c for c in every if not annees or c.annee in annees]
    zone = territoires.territoire(
        conn, "qpv24" if niveau == "qpv" and code.startswith("QN") else niveau, code, None
    )
    if zone is None and not cells:
        return None
    label = (zone or {}).get("label") or next((c.zone_libelle for c in cells if c.zone_libelle), code)
    parents = [p for p in (zone or {}).get("parents", []) if p["niveau"] in ouvert.NIVEAUX]
    return {
        "zone": {
            "niveau": niveau,
            "niveau_libelle": ouvert.NIVEAUX[niveau],
            "code": code,
            "libelle": label,
            "parents": parents,
        },  # fmt: skip
        "seuil_secret": n,
        "annees": annees,
        "annees_connues": sorted({c.annee for c in every}, reverse=True),
        "fiche": fiche_ouverte(cells),
        "cellules": cells,
    }


def cell_dict(cell: ouvert.Cellule) -> dict[str, Any]:
    return dict(zip(fichiers_ouverts.COLUMNS, fichiers_ouverts.row(cell), strict=True)) | {
        "montant_ae": float(cell.montant_ae),
        "montant_cp": float(cell.montant_cp),
    }


@router.get("/territoires/{niveau}/{code}")
async def api_territoire(
    niveau: str,
    code: str,
    request: Request,
    db: Db,
    annee: Annotated[list[int], Query()] = [],  # noqa: B006 - FastAPI reads the default
):
    """Key figures, by source, thème, year and programme, and the published cells of one zone."""
    check(niveau, code, [], None)
    found = await db.read(territoire, niveau, code, seuil(request), annee)
    if found is None:
        raise NotFound("territoire-introuvable", f"Aucune zone « {niveau} » de code « {code} ».")
    return {**found, "fiche": found["fiche"].as_dict(), "cellules": [cell_dict(c) for c in found["cellules"]]}


@router.get("/agregats")
async def api_agregats(
    request: Request,
    db: Db,
    niveau: str,
    code: str | None = None,
    source: Annotated[list[str], Query()] = [],  # noqa: B006
    region: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
):
    """The published cells of a level (a zone with `code`; sources; `region`: région of the files)."""
    check(niveau, code, source, region)
    cells = await db.read(
        lambda conn: ouvert.cellules(conn, niveau, seuil(request), code=code, familles=source, region=region)
    )
    start = (page - 1) * page_size
    return {
        "seuil_secret": seuil(request),
        "total": len(cells),
        "page": page,
        "cellules": [cell_dict(c) for c in cells[start : start + page_size]],
        "has_next": start + page_size < len(cells),
        "schema": "/schemas/agregats-ouverts.json",
    }


@router.get("/agregats.{fmt}")
async def api_agregats_fichier(
    fmt: str,
    request: Request,
    db: Db,
    niveau: str | None = None,
    source: Annotated[list[str], Query()] = [],  # noqa: B006
    region: str | None = None,
):
    """Every published cell (all levels, or `niveau`) as CSV or Parquet, per the Table Schema
    /schemas/agregats-ouverts.json."""
    if fmt not in ("csv", "parquet"):
        raise QueryError(f"Format « {fmt[:10]} » inconnu : formats possibles csv, parquet.")
    check(niveau, None, source, region)
    n = seuil(request)

    def read(conn: Connection) -> list[ouvert.Cellule]:
        if niveau is not None:
            return ouvert.cellules(conn, niveau, n, familles=source, region=region)
        return list(ouvert.toutes_cellules(conn, n, familles=source, region=region))

    cells = await db.read(read)
    name = "agregats-ouverts" + "".join(f"-{p}" for p in (niveau, *source, region) if p)
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Link": '</schemas/agregats-ouverts.json>; rel="describedby"; type="application/json"',
    }
    if fmt == "csv":
        return StreamingResponse(
            fichiers_ouverts.csv_chunks(cells), media_type="text/csv; charset=utf-8", headers=headers
        )
    return Response(
        fichiers_ouverts.parquet_bytes(cells), media_type="application/vnd.apache.parquet", headers=headers
    )


CARTE_NIVEAUX = ("region", "departement", "epci", "commune")


def carte(conn: Connection, niveau: str, parent: str, code: str, n: int, annees: list[int]) -> dict[str, Any]:
    """The shape of /api/v1/carte (static/app/carte.js draws both): the published sums of each zone
    of `niveau` in the zone (`parent`, `code`)."""
    zones: dict[str, dict[str, Any]] = {}
    for cell in ouvert.cellules(conn, niveau, n, dans=(parent, code)):
        if annees and cell.annee not in annees:
            continue
        z = zones.setdefault(cell.zone_code, {"code": cell.zone_code, "label": cell.zone_libelle or cell.zone_code,
                                              "montant_ae": 0.0, "montant_cp": 0.0, "count": 0})  # fmt: skip
        z["montant_ae"] += float(cell.montant_ae)
        z["montant_cp"] += float(cell.montant_cp)
        z["count"] += cell.lignes
    found = sorted(zones.values(), key=lambda z: (-z["montant_ae"], z["code"]))
    total = {k: sum(z[k] for z in found) for k in ("count", "montant_ae", "montant_cp")}
    return {"niveau": niveau, "valeur": "montant_ae", "zones": found, "sans_zone": {"count": 0, "montant_ae": 0.0,
            "montant_cp": 0.0}, "total": total, "description": []}  # fmt: skip


@router.get("/carte")
async def api_carte(
    request: Request,
    db: Db,
    niveau: str = "commune",
    niveau_geo: str = "region",
    code_geo: str = "",
    annee: Annotated[list[int], Query()] = [],  # noqa: B006
):
    """The open map of a zone: published Σ AE, Σ CP and lines of each zone of `niveau` (region,
    departement, epci, commune) in the zone `niveau_geo` + `code_geo` (same shape as /api/v1/carte)."""
    for value, name in ((niveau, "niveau"), (niveau_geo, "niveau_geo")):
        if value not in CARTE_NIVEAUX:
            raise QueryError(f"{name} « {value[:20]} » : niveaux possibles {', '.join(CARTE_NIVEAUX)}.")
    check(None, code_geo or "-", [], None)
    return await db.read(carte, niveau, niveau_geo, code_geo, seuil(request), annee)
