"""The help page: each term of the glossary in plain French, with a table of contents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from dataetat.model.tags import TAG_TYPES
from dataetat.web.deps import OptionalIdentity
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)

# Table of contents: anchor → title (the sections of aide.html, in order).
SOMMAIRE = (
    ("rechercher", "Rechercher, grouper, choisir les colonnes"),
    ("tableau-dynamique", "Le tableau dynamique"),
    ("carte", "La carte"),
    ("graphiques", "Les graphiques"),
    ("quartiers-prioritaires", "Les quartiers prioritaires (page « Quartiers prioritaires »)"),
    ("fiches", "Fiches bénéficiaire et territoire"),
    ("montants", "Engagements et paiements : AE, CP, EJ, poste, DP"),
    ("imputation", "Programme, BOP et imputation budgétaire"),
    ("beneficiaire", "Bénéficiaire : SIRET, catégorie juridique, type"),
    ("zones", "Zones géographiques"),
    ("regle-geographique", "Comment une ligne est rattachée à une zone"),
    ("sources", "Sources des données : REGION et NATION"),
    ("tags", "Tags"),
    ("partager", "Partager une recherche"),
    ("exports", "Télécharger et « Mes exports »"),
    ("api", "API et documentation"),
)


@router.get("/aide", response_class=HTMLResponse)
async def page_aide(request: Request, _me: OptionalIdentity):
    return templates.TemplateResponse(
        request, "aide.html", {"sommaire": SOMMAIRE, "types_tags": TAG_TYPES, "page_active": "/aide"}
    )
