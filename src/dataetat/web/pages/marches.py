"""« Commande publique » pages: the search (`/marches`, its URL mirrors the search: the same
parameters as `/api/v1/marches`), a marché (`/marches/{uid}`: every field, titulaires, modifications
as a timeline, candidate links to Chorus engagements), an acheteur and a titulaire
(`/acheteurs/{siret}`, `/titulaires/{siret}`). Région-scoped like the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dataetat.query import fiches, marches_fiches
from dataetat.query.marches import BY_CODE, COLONNES, NIVEAUX_LIEU, merged_query, params_from_query
from dataetat.query.marches_recherche import columns_of, search
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


@router.get("/marches", response_class=HTMLResponse)
async def page_marches(request: Request, me: CurrentIdentity, db: Db):
    pairs = [(k, v) for k, v in request.query_params.multi_items()]
    erreur, resultat, params = None, None, None
    try:
        query = merged_query(pairs)
        params = params_from_query(query)
        params.page_size = min(params.page_size, 100)
        resultat = await db.read(search, params, me.region)
    except QueryError as e:
        erreur = str(e)
        query = {}
    base = {k: v for k, v in query.items() if k != "page"}

    def url(**changes: Any) -> str:
        merged = {**base, **{k: v for k, v in changes.items() if v is not None}}
        return "/marches?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    api = urlencode({k: v for k, v in base.items() if k not in ("page", "page_size")})
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
        "niveaux": list(NIVEAUX_LIEU.items()),
        "groupables": GROUPABLES,
        "url": url,
        "api": api,
    }
    return templates.TemplateResponse(request, "marches.html", context, status_code=400 if erreur else 200)


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
    beneficiaire = await db.read(fiches.identite, siret, me.region) is not None
    context = {"page_active": "/marches", "titre": titre, "a": found, "fiche_beneficiaire": beneficiaire}
    return templates.TemplateResponse(request, "marches_acteur.html", context)


@router.get("/acheteurs/{siret}", response_class=HTMLResponse)
async def page_acheteur(siret: str, request: Request, me: CurrentIdentity, db: Db):
    return await _acteur(request, me, db, siret, "acheteur")


@router.get("/titulaires/{siret}", response_class=HTMLResponse)
async def page_titulaire(siret: str, request: Request, me: CurrentIdentity, db: Db):
    return await _acteur(request, me, db, siret, "titulaire")
