"""The query contract of the search routes, declared in the OpenAPI (`/docs` « Try it out » can
filter; schemathesis generates every parameter): the search routes read the query string as one
dict (web/deps.py: SearchQuery, checked by query/params.py), so FastAPI cannot see the parameters
by itself. Also the error answers every route may give, in the one JSON error shape."""

from __future__ import annotations

import dataclasses
from typing import Any

from dataetat.model.enums import DataSource, NiveauGeo, Source
from dataetat.query.marches import NIVEAUX_LIEU, MarchesParams
from dataetat.query.params import MAX_VALUES, PAGE_SIZE_MAX, SearchParams

_LIST = f"liste séparée par des virgules (ou paramètre répété), {MAX_VALUES} valeurs au plus"
_DESCRIPTIONS = {
    "code_programme": "programmes (ex. 103,113)",
    "niveau_geo": "niveau de la zone, avec code_geo",
    "code_geo": "codes des zones du niveau_geo",
    "critere_geo": "ce qui place une ligne dans la zone : beneficiaire (commune du bénéficiaire), localisation "
    "(localisation interministérielle), centre_couts (département du centre de coûts) ; défaut : les trois",
    "annee": "années (exercices), ex. 2023,2024",
    "beneficiaire_code": "SIRET des bénéficiaires",
    "beneficiaire_categorieJuridique_type": "types de bénéficiaire (Entreprise, Association, Etat, Collectivité, autres)",
    "tags": "étiquettes (codes)",
    "domaine_fonctionnel": "domaines fonctionnels",
    "referentiel_programmation": "référentiels de programmation",
    "centres_couts": "centres de coûts",
    "n_ej": "numéros d'engagement juridique",
    "theme": "thèmes des programmes, séparés par |",
    "source": "source des lignes",
    "data_source": "flux (NATION ou REGION)",
    "source_region": "régions des flux",
    "objet": "l'objet commence par l'une des valeurs",
    "referentiel_programmation_libelle": "le libellé du référentiel de programmation contient l'une des valeurs",
    "cper": "ligne avec (oui) ou sans (non) code de contrat de plan État-région",
    "dispositif": "communes d'un programme territorial (pvd, acv)",
    "grouping": "colonnes de regroupement (6 au plus)",
    "grouped": "valeurs des niveaux ouverts du regroupement",
    "sort_by": "colonne de tri, avec sort_order",
    "sort_order": "sens du tri, avec sort_by",
    "page": "page (à partir de 1)",
    "page_size": f"lignes par page (1 à {PAGE_SIZE_MAX})",
    "colonnes": "colonnes des lignes, dans l'ordre",
}
_ENUMS: dict[str, list[str]] = {
    "niveau_geo": [n.value for n in NiveauGeo],
    "source": [s.value for s in Source],
    "data_source": [d.value for d in DataSource],
    "sort_order": ["asc", "desc"],
    "cper": ["oui", "non"],
}


def _parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def search_parameters() -> list[dict[str, Any]]:
    """One OpenAPI parameter per search parameter (query/params.py: SearchParams), plus the search
    page's year range annee_min/annee_max."""
    out = []
    for f in dataclasses.fields(SearchParams):
        description = _DESCRIPTIONS.get(f.name, f.name)
        if f.name in ("page", "page_size"):
            schema: dict[str, Any] = {"type": "integer", "minimum": 1}
            if f.name == "page_size":
                schema["maximum"] = PAGE_SIZE_MAX
        elif f.name in _ENUMS:
            schema = {"type": "string", "enum": _ENUMS[f.name]}
        elif str(f.type).startswith("list"):
            schema, description = {"type": "string"}, f"{description} — {_LIST}"
        else:
            schema = {"type": "string"}
        out.append(_parameter(f.name, schema, description))
    for name, what in (("annee_min", "première"), ("annee_max", "dernière")):
        year = {"type": "integer", "minimum": 1900, "maximum": 2999}
        out.append(
            _parameter(name, year, f"{what} année d'une plage (au lieu de annee), comme la page de recherche")
        )
    return out


def _error(description: str) -> dict[str, Any]:
    body = {
        "type": "object",
        "properties": {
            "erreur": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "required": ["code", "message"],
            }
        },
    }
    return {"description": description, "content": {"application/json": {"schema": body}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Paramètre invalide (message en français)"),
    401: _error("Connexion requise"),
    403: _error("Interdit à ce compte"),
    503: _error("Serveur occupé : réessayer"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _error("Introuvable (ou hors de votre région)")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _error("Pas possible dans l'état de la ressource")}


def search_route(*extra: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of a search route's decorator: its parameters and its error answers."""
    return {"openapi_extra": {"parameters": search_parameters() + list(extra)}, "responses": ERRORS}


PIVOT = [
    _parameter("lignes", {"type": "string"}, "colonne des lignes du tableau (groupable)"),
    _parameter(
        "valeur", {"type": "string", "enum": ["montant_ae", "montant_cp", "count"]}, "valeur des cellules"
    ),
]


def marches_parameters() -> list[dict[str, Any]]:
    """One OpenAPI parameter per « Commande publique » search parameter (query/marches.py)."""
    out = []
    for f in dataclasses.fields(MarchesParams):
        if f.name in ("page", "page_size", "colonnes", "sort_by", "sort_order"):
            continue  # no effect on a map or a pivot; colonnes is the pivot's own parameter there
        if f.name == "niveau_geo":
            schema: dict[str, Any] = {"type": "string", "enum": list(NIVEAUX_LIEU)}
            description = "niveau du lieu d'exécution, avec code_geo"
        elif str(f.type).startswith("list"):
            schema, description = {"type": "string"}, f"{f.name} — {_LIST}"
        else:
            schema, description = {"type": "string"}, f.name
        out.append(_parameter(f.name, schema, description))
    return out


def marches_route(*extra: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of a marchés map or pivot route: the search's parameters, the route's own."""
    return {"openapi_extra": {"parameters": marches_parameters() + list(extra)}, "responses": ERRORS}


MARCHES_CARTE = [
    _parameter(
        "niveau", {"type": "string", "enum": ["region", "departement", "commune"]}, "niveau des zones"
    ),
]
MARCHES_PIVOT = [
    _parameter("lignes", {"type": "string"}, "colonne des lignes du tableau (groupable)"),
    _parameter("colonnes", {"type": "string"}, "colonne des colonnes du tableau (groupable)"),
    _parameter("valeur", {"type": "string", "enum": ["montant", "marches", "count"]}, "valeur des cellules"),
]
