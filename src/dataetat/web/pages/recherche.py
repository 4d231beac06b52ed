"""The search page: the form, and the results of the search in the URL (table, groups, pivot, map,
charts). One route renders the whole page; htmx swaps `#resultats` and pushes the URL, so the URL
always mirrors the search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from dataetat.query import details, lookups
from dataetat.query.columns import BY_CODE, COLONNES, default_columns
from dataetat.query.params import QueryError
from dataetat.query.pivot import pivot
from dataetat.query.search import search, unknown_region_total
from dataetat.web import csrf
from dataetat.web.deps import CurrentIdentity, Lecture
from dataetat.web.formulaire import Recherche
from dataetat.web.formulaire_choix import NIVEAUX_QPV, TYPES_BENEFICIAIRES, VUES, year_choices
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)

NIVEAUX = [
    ("region", "Région"),
    ("departement", "Département"),
    ("arrondissement", "Arrondissement"),
    ("epci", "EPCI"),
    ("commune", "Commune"),
    *NIVEAUX_QPV,
]
# The form's beneficiary types: (value sent, label), alphabetical, « Autres » (no known type) last.
_TYPE_LABELS = {"Etat": "État", "autres": "Autres"}
TYPES = sorted(
    {(v, _TYPE_LABELS.get(v, v)) for v in TYPES_BENEFICIAIRES.values()},
    key=lambda t: (t[0] == "autres", t[1]),
)
GROUPABLES = [(c.code, c.label) for c in COLONNES if c.groupable]
# critere_geo as the form's checkboxes (a QPV zone: beneficiary's QPV or lieu de l'action).
CRITERES_FORMULAIRE = [
    ("beneficiaire", "la commune du bénéficiaire (pour un QPV : son QPV)"),
    ("localisation", "la localisation interministérielle (pour un QPV : le lieu de l'action)"),
    ("centre_couts", "le département du centre de coûts (région, département)"),
]
VALEURS = [
    ("montant_ae", "Montant engagé (AE)"),
    ("montant_cp", "Montant payé (CP)"),
    ("count", "Nombre de lignes"),
]


def _page_data(conn: Connection, r: Recherche, region: str | None, show: bool) -> dict:
    """Everything the page shows, read in one connection: choices' labels, years, freshness, results."""
    years = details.years(conn, region)
    data = {
        "choisis": {
            "programmes": lookups.chosen(conn, "programmes", r.programmes),
            "referentiels_programmation": lookups.chosen(
                conn, "referentiels-programmation", r.referentiels_programmation
            ),
            "code_geo": lookups.chosen(conn, f"zones/{r.niveau_geo}", r.code_geo) if r.niveau_geo else [],
            "beneficiaires": lookups.chosen_beneficiaires(conn, r.beneficiaires, region),
            "tags": lookups.chosen(conn, "tags", r.tags),
            "domaines_fonctionnels": lookups.chosen(conn, "domaines-fonctionnels", r.domaines_fonctionnels),
            "centres_couts": lookups.chosen(conn, "centres-couts", r.centres_couts),
        },
        "annees": year_choices(years),
        "fraicheur": details.freshness(conn, years),
        "resultat": None,
        "pivot": None,
    }
    if not show:
        return data
    params = r.to_params()
    data["region_inconnue"] = unknown_region_total(conn, r.to_params(grouped=False), region)
    data["regional"] = region is not None
    if r.vue == "tableau":
        data["resultat"] = search(conn, _totals_only(params), region)
        data["pivot"] = pivot(
            conn, r.to_params(grouped=False), r.pivot_lignes, r.pivot_colonnes, r.valeur, region
        )
    elif r.vue in ("carte", "graphiques"):
        data["resultat"] = search(conn, _totals_only(params), region)
    else:
        data["resultat"] = search(conn, params, region)
    return data


def _totals_only(params):
    params.grouping, params.grouped, params.page_size = [], [], 1
    return params


def _query(request: Request) -> dict[str, list[str]]:
    return {k: request.query_params.getlist(k) for k in request.query_params.keys()}


@router.get("/fragments/groupes", response_class=HTMLResponse)
async def fragment_groupes(request: Request, me: CurrentIdentity, db: Lecture):
    """The next level under a group, as table rows (a group unfolded in place)."""
    r, erreurs = Recherche.from_query(_query(request))
    if erreurs:
        raise QueryError(" ".join(erreurs))
    r.vue = "groupes"
    result = await db.read(search, r.to_params(), me.region)
    context = {"r": r, "groupes": result.groupes or [], "plus_de_groupes": result.has_next}
    return templates.TemplateResponse(request, "_groupes_lignes.html", context)


@router.get("/", response_class=HTMLResponse)
async def page_recherche(request: Request, me: CurrentIdentity, db: Lecture):
    r, erreurs = Recherche.from_query(_query(request))
    show = bool(request.query_params)
    status = 200  # some parameters ignored (named in the alert): the rest of the search is shown
    try:
        data = await db.read(_page_data, r, me.region, show)
    except QueryError as e:  # the search cannot run at all: 400, the form and the reason, no results
        erreurs.append(str(e))
        status, show = 400, False
        data = await db.read(_page_data, Recherche(), me.region, False)
    columns = r.colonnes or default_columns(bool(r.niveau_geo and r.code_geo))
    token = csrf.token(request)  # "Sauvegarder la recherche" (a form of _resultats.html)
    response = templates.TemplateResponse(
        request,
        "recherche.html",
        {
            "r": r,
            "erreurs": erreurs,
            "affiche": show,
            "niveaux": NIVEAUX,
            "criteres_geo": CRITERES_FORMULAIRE,
            "types_beneficiaires": TYPES,
            "colonnes": [BY_CODE[c] for c in columns],
            "toutes_colonnes": COLONNES,
            "groupables": GROUPABLES,
            "valeurs": VALEURS,
            "vues": VUES,
            "plein_ecran": r.plein_ecran,
            "plus_de_filtres": bool(
                r.domaines_fonctionnels or r.centres_couts or r.source or r.data_source or r.source_region
            ),
            "page_active": "/",
            "csrf": token,
            "csrf_champ": csrf.FIELD,
            **data,
        },
        status_code=status,
    )
    return csrf.with_cookie(response, request, token)
