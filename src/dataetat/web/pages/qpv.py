"""The Data QPV page: the financing of a search in the quartiers prioritaires de la ville.

The URL is the search, with the search page's names (formulaire.py: annee_min, annee_max,
niveau_geo, code_geo, beneficiaires, types_beneficiaires, centres_couts, programmes…) plus `theme`
(repeated, one thème each) and the reference's Data QPV deep link `code_qpv` (2024 QPV codes, the
same as niveau_geo=qpv24&code_geo=…). Three tabs (P147, droit commun, total) with key figures and
breakdowns drawn by static/app/qpv.js from the tables the server writes (the tables stay as the
accessible alternative), the map of the QPVs (GET /api/v1/qpv/carte) and the first lines."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from dataetat.query import details, lookups, qpv
from dataetat.query.params import QueryError
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.formulaire import Recherche
from dataetat.web.formulaire_choix import NIVEAUX_QPV, year_choices
from dataetat.web.pages.recherche import TYPES
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)

NIVEAUX = [
    ("departement", "Département"),
    ("epci", "EPCI (contrat de ville)"),
    ("commune", "Commune"),
    *NIVEAUX_QPV,
]
LIGNES = 100
LIENS_QPV_MAX = 200  # QPV codes put in the link to the search page


def niveau_of(code: str) -> str:
    """The zone level of a QPV code: 2024 codes start with QN, 2015 codes with QP."""
    return "qpv24" if code.upper().startswith("QN") else "qpv"


def parse(query: dict[str, list[str]]) -> tuple[Recherche, list[str], list[str]]:
    """The page URL → the search, its thèmes (not a field of the search page) and refused parameters."""
    query = dict(query)
    themes = [t.strip() for t in query.pop("theme", []) if t.strip()]
    code_qpv = [v.strip() for raw in query.pop("code_qpv", []) for v in raw.split(",") if v.strip()]
    r, erreurs = Recherche.from_query(query)
    if code_qpv:
        if r.code_geo and r.niveau_geo not in ("qpv", "qpv24"):
            erreurs.append("code_qpv remplace la zone géographique choisie (niveau_geo, code_geo).")
        r.niveau_geo, r.code_geo = "qpv24", list(dict.fromkeys(code_qpv))
    if not r.niveau_geo:
        r.niveau_geo = "qpv24"  # the level offered first by the place look-up
    r.vue = "lignes"
    return r, list(dict.fromkeys(themes)), erreurs


def lien_recherche(r: Recherche, codes: list[str]) -> str | None:
    """The search page on the same filters, restricted to these QPVs (the most common division)."""
    if r.niveau_geo in ("qpv", "qpv24") and r.code_geo:
        return r.url()
    if not codes:
        return None
    niveau = max(("qpv24", "qpv"), key=lambda n: sum(niveau_of(c) == n for c in codes))
    chosen = [c for c in codes if niveau_of(c) == niveau][:LIENS_QPV_MAX]
    return r.url(niveau_geo=niveau, code_geo=chosen)


def _page_data(conn: Connection, r: Recherche, themes: list[str], region: str | None) -> dict:
    params = r.to_params(grouped=False)
    params.theme = themes
    tableaux = [qpv.tableau_de_bord(conn, params, p, region) for p in qpv.PERIMETRES]
    par_qpv = qpv.par_qpv(conn, params, "total", region)
    lignes, nombre = qpv.lignes(conn, params, "total", region, LIGNES)
    return {
        "choisis": {
            "code_geo": lookups.chosen(conn, f"zones/{r.niveau_geo}", r.code_geo) if r.code_geo else [],
            "beneficiaires": lookups.chosen_beneficiaires(conn, r.beneficiaires, region),
            "centres_couts": lookups.chosen(conn, "centres-couts", r.centres_couts),
        },
        "annees": year_choices(details.years(conn, region)),
        "tous_themes": sorted(set(qpv.themes(conn, region)) | set(themes)),
        "tableaux": tableaux,
        "par_qpv": par_qpv,
        "lignes": lignes,
        "nombre_lignes": nombre,
        "lien_recherche": lien_recherche(r, [q.code for q in par_qpv]),
        "liens_qpv": {q.code: r.url(niveau_geo=niveau_of(q.code), code_geo=[q.code]) for q in par_qpv},
        "api": _api_query(r, themes),
    }


def _api_query(r: Recherche, themes: list[str]) -> str:
    from urllib.parse import urlencode

    query = r.api_query()
    if themes:
        query += ("&" if query else "") + urlencode({"theme": "|".join(themes)})
    return query


@router.get("/qpv", response_class=HTMLResponse)
async def page_qpv(request: Request, me: CurrentIdentity, db: Db):
    query = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    r, themes, erreurs = parse(query)
    try:
        data = await db.read(_page_data, r, themes, me.region)
    except QueryError as e:
        erreurs.append(str(e))
        r, themes, _ = parse({})
        data = await db.read(_page_data, r, themes, me.region)
    return templates.TemplateResponse(
        request,
        "qpv.html",
        {
            "r": r,
            "themes": themes,
            "erreurs": erreurs,
            "niveaux": NIVEAUX,
            "types_beneficiaires": TYPES,
            "page_active": "/qpv",
            **data,
        },
    )
