"""« Commande publique » pages: the search (`/marches`, its URL mirrors the search: the same
parameters as `/api/v1/marches`, plus the view: `vue` = lignes (rows or groups), carte (the map by
lieu d'exécution, static/app/carte.js over /api/v1/marches/carte) or tableau (the tableau dynamique:
`pivot_lignes`, `pivot_colonnes`, `valeur`)), a marché (`/marches/{uid}`: every field, titulaires, modifications
as a timeline, candidate links to Chorus engagements), an acheteur and a titulaire
(`/acheteurs/{siret}`, `/titulaires/{siret}`). Région-scoped like the API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dataetat.query import beneficiaires, marches_fiches
from dataetat.query.marches import BY_CODE, COLONNES, NIVEAUX_LIEU, merged_query, params_from_query
from dataetat.query.marches_pivot import VALEURS, pivot
from dataetat.query.marches_recherche import MarchesResult, columns_of, search, totaux, where
from dataetat.query.params import QueryError
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.erreurs import page_not_found
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
PROCEDURES = (
    "Procédure adaptée",
    "Appel d'offres ouvert",
    "Appel d'offres restreint",
    "Procédure avec négociation",
    "Marché passé sans publicité ni mise en concurrence préalable",
    "Dialogue compétitif",
)
NATURES = ("Marché", "Marché de partenariat", "Marché de défense ou de sécurité")
GROUPABLES = [(c.code, c.label) for c in COLONNES if c.groupable]
VUES = {"lignes": "Tableau", "carte": "Carte", "tableau": "Tableau dynamique"}
# The view's parameters (not the search's) and their defaults.
VUE_DEFAUT = {"vue": "lignes", "pivot_lignes": "procedure", "pivot_colonnes": "annee", "valeur": "montant"}
# What the map shows (carte.js: data-valeurs, data-comptes).
CARTE_VALEURS = {"montant": "Montant des marchés (chacun une fois)", "marches": "Nombre de marchés"}
CARTE_COMPTES = {
    "marches": ["marché", "marchés", "Aucun marché"],
    "count": ["ligne marché × titulaire", "lignes marché × titulaire", "Aucune ligne"],
}


def _totals(conn, params, region: str | None) -> MarchesResult:
    """The totals of the whole search alone (the map and the pivot show no rows)."""
    params.check()
    clauses, description = where(params, region, conn)
    return MarchesResult(totaux(conn, clauses, params), description=description)


@router.get("/marches", response_class=HTMLResponse)
async def page_marches(request: Request, me: CurrentIdentity, db: Db):
    pairs = [(k, v) for k, v in request.query_params.multi_items()]
    erreur, erreur_tableau, resultat, params, tableau = None, None, None, None, None
    vue = dict(VUE_DEFAUT)
    try:
        query = merged_query(pairs)
        for name in VUE_DEFAUT:
            vue[name] = query.pop(name, "") or vue[name]
        if vue["vue"] not in VUES:
            raise QueryError(f"vue « {vue['vue']} » : valeurs possibles {', '.join(VUES)}.")
        params = params_from_query(query)
        params.page_size = min(params.page_size, 100)
        if vue["vue"] == "lignes":
            resultat = await db.read(search, params, me.region)
        else:
            resultat = await db.read(_totals, params, me.region)
    except QueryError as e:
        erreur, query, vue = str(e), {}, dict(VUE_DEFAUT)
    if resultat is not None and vue["vue"] == "tableau":
        try:
            tableau = await db.read(
                pivot, params, vue["pivot_lignes"], vue["pivot_colonnes"], vue["valeur"], me.region
            )
        except QueryError as e:
            erreur_tableau = str(e)
    base = {k: v for k, v in query.items() if k != "page"}
    # The URL keeps the view's parameters that differ from their defaults.
    etat = {k: v for k, v in vue.items() if v != VUE_DEFAUT[k]}

    def url(**changes: Any) -> str:
        merged = {**base, **etat, **{k: v for k, v in changes.items() if v is not None}}
        merged = {k: v for k, v in merged.items() if v not in ("", None) and v != VUE_DEFAUT.get(k)}
        return "/marches?" + urlencode(merged)

    api = urlencode({k: v for k, v in base.items() if k not in ("page", "page_size")})
    # The pivot API reads `colonnes` as the table's columns: the search's own (display) ones stay out.
    search_only = {k: v for k, v in base.items() if k not in ("page", "page_size", "colonnes")}
    pivot_api = urlencode(
        {
            **search_only,
            "lignes": vue["pivot_lignes"],
            "colonnes": vue["pivot_colonnes"],
            "valeur": vue["valeur"],
        }
    )
    context = {
        "page_active": "/marches",
        "titre": "Commande publique",
        "q": query,
        "erreur": erreur,
        "resultat": resultat,
        "params": params,
        "colonnes": [BY_CODE[n] for n in columns_of(params)] if params else [],
        "procedures": [(p, p) for p in PROCEDURES],
        "natures": [(n, n) for n in NATURES],
        "niveaux": [(k, v.capitalize()) for k, v in NIVEAUX_LIEU.items()],
        "groupables": GROUPABLES,
        "url": url,
        "api": api,
        "vue": vue,
        "vue_defaut": VUE_DEFAUT,
        "vues": VUES,
        "pivot": tableau,
        "erreur_tableau": erreur_tableau,
        "pivot_api": pivot_api,
        "pivot_valeurs": list(VALEURS.items()),
        "libelles": {c.code: c.label for c in COLONNES},
        # JSON in their order (tojson would sort the keys: the first is the default and the status'):
        "carte_valeurs": json.dumps(CARTE_VALEURS, ensure_ascii=False),
        "carte_comptes": json.dumps(CARTE_COMPTES, ensure_ascii=False),
    }
    status = 400 if erreur or erreur_tableau else 200
    return templates.TemplateResponse(request, "marches.html", context, status_code=status)


@router.get("/marches/{uid}", response_class=HTMLResponse)
async def page_marche(uid: str, request: Request, me: CurrentIdentity, db: Db):
    found = await db.read(marches_fiches.marche_detail, uid, me.region)
    if found is None:
        return page_not_found(
            request, "Marché introuvable", "Aucun marché de cet identifiant parmi ceux que vous pouvez voir."
        )
    liens = await db.read(lambda conn: marches_fiches.liens(conn, me.region, uid=uid))
    context = {"page_active": "/marches", "titre": found["ligne"]["objet"] or uid, "m": found, "liens": liens}
    return templates.TemplateResponse(request, "marche.html", context)


async def _acteur(request: Request, me, db, siret: str, role: str):
    found = await db.read(marches_fiches.acteur, siret, role, me.region)
    if found is None:
        mot = "acheteur" if role == "acheteur" else "titulaire"
        return page_not_found(
            request,
            f"Aucun marché pour ce {mot}",
            f"Aucun marché de ce SIRET comme {mot} parmi ceux que vous pouvez voir.",
        )
    titre = found["nom"] or f"SIRET {siret}"
    # The beneficiary page exists only for a SIRET it knows (else a dead link to a 404).
    beneficiaire = await db.read(beneficiaires.identite, siret, me.region) is not None
    context = {"page_active": "/marches", "titre": titre, "a": found, "fiche_beneficiaire": beneficiaire}
    return templates.TemplateResponse(request, "marches_acteur.html", context)


@router.get("/acheteurs/{siret}", response_class=HTMLResponse)
async def page_acheteur(siret: str, request: Request, me: CurrentIdentity, db: Db):
    return await _acteur(request, me, db, siret, "acheteur")


@router.get("/titulaires/{siret}", response_class=HTMLResponse)
async def page_titulaire(siret: str, request: Request, me: CurrentIdentity, db: Db):
    return await _acteur(request, me, db, siret, "titulaire")
