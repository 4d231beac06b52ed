"""The open pages (anonymous, no account): `/ouvert` (the zones with open figures) and
`/ouvert/territoires/{niveau}/{code}`, the open twin of the territory page — key figures, by
source, thème, year and programme, the files to download with their schema. Figures come from
web/api/ouvert.py's `territoire` (query/ouvert.py: the statistical secrecy rule)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.engine import Connection

from dataetat.query import ouvert
from dataetat.web.api.ouvert import CARTE_NIVEAUX, CODE, seuil, territoire
from dataetat.web.deps import Db, OptionalIdentity
from dataetat.web.pages.erreurs import page_not_found
from dataetat.web.pages.fiche_commune import annees as parse_annees
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)


def _series(parts) -> list[dict[str, Any]]:
    return [{"label": str(p.label), "ae": float(p.montant_ae), "cp": float(p.montant_cp)} for p in parts]


def _pourcent(part, total) -> str:
    if not total:
        return "—"
    return f"{100 * float(part.montant_ae) / float(total):.1f}".replace(".", ",") + "\u202f%"


def _programme_label(part) -> str:
    """« 102 - Accès et retour à l'emploi »; the « autres » and « sans programme » rows as they are."""
    if part.code in (ouvert.AUTRES, ouvert.SANS_PROGRAMME) or part.label == part.code:
        return part.label
    return f"{part.code} - {part.label}"


def _zones(conn: Connection, n: int) -> dict[str, Any]:
    """Régions and départements with published figures, with their totals (for the index)."""
    found = {}
    for niveau in ("region", "departement"):
        zones: dict[str, Any] = {}
        for cell in ouvert.cellules(conn, niveau, n):
            z = zones.setdefault(cell.zone_code, {"code": cell.zone_code, "libelle": cell.zone_libelle,
                                                   "ae": 0, "cp": 0, "lignes": 0})  # fmt: skip
            z["ae"] += cell.montant_ae
            z["cp"] += cell.montant_cp
            z["lignes"] += cell.lignes
        found[niveau] = sorted(zones.values(), key=lambda z: z["code"])
    return found


@router.get("/ouvert", response_class=HTMLResponse)
async def page_ouvert(request: Request, _me: OptionalIdentity, db: Db):
    n = seuil(request)
    zones = await db.read(_zones, n)
    context = {"page_active": "/ouvert", "zones": zones, "seuil": n, "niveaux": ouvert.NIVEAUX}
    return templates.TemplateResponse(request, "ouvert.html", context)


@router.get("/ouvert/territoires/{niveau}/{code}", response_class=HTMLResponse)
async def page_territoire_ouvert(
    niveau: str,
    code: str,
    request: Request,
    _me: OptionalIdentity,
    db: Db,
    annee: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
):
    years, erreurs = parse_annees(annee)
    niveau = niveau.lower()
    found = None
    if niveau in ouvert.NIVEAUX and CODE.match(code):
        found = await db.read(territoire, niveau, code, seuil(request), years)
    if found is None:
        return page_not_found(
            request,
            "Territoire introuvable",
            f"Aucun territoire « {niveau[:20]} » de code « {code[:20]} » : les niveaux possibles sont "
            + ", ".join(ouvert.NIVEAUX)
            + " (ex. /ouvert/territoires/departement/35).",
        )
    f = found["fiche"]
    context = {
        "page_active": "/ouvert",
        "titre": f"{found['zone']['libelle']} — données ouvertes",
        "z": found["zone"],
        "f": f,
        "annees": years,
        "annees_connues": found["annees_connues"],
        "erreurs": erreurs,
        "seuil": found["seuil_secret"],
        "pourcent": _pourcent,
        "graphiques": {"annees": _series(f.par_annee), "themes": _series(f.par_theme[:10])},
        "programmes": [replace(p, label=_programme_label(p)) for p in f.par_programme],
        "secret": any(c.programme_code == ouvert.AUTRES for c in found["cellules"]),
        "api": f"/api/v1/ouvert/territoires/{niveau}/{code}",
        "carte": niveau in CARTE_NIVEAUX,
        "carte_api": urlencode(
            {"niveau_geo": niveau, "code_geo": code} | ({"annee": years} if years else {}), doseq=True
        ),
        "carte_niveaux": ",".join(CARTE_NIVEAUX[CARTE_NIVEAUX.index(niveau) :])
        if niveau in CARTE_NIVEAUX
        else "",
    }
    return templates.TemplateResponse(request, "ouvert_territoire.html", context)


@router.get("/ouvert/zone")
async def zone_ouverte(niveau_geo: str = "", code_geo: str = ""):
    """Where a zone of the open map leads (static/app/carte.js builds niveau_geo + code_geo links)."""
    code = code_geo.split(",")[0]
    if niveau_geo not in ouvert.NIVEAUX or not CODE.match(code):
        return RedirectResponse("/ouvert", status_code=302)
    return RedirectResponse(f"/ouvert/territoires/{niveau_geo}/{code}", status_code=302)
