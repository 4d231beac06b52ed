"""The open DECP validation API — no account needed (a buyer or a software vendor checks a file
before publishing it): `POST /api/v1/validation/decp` (JSON or XML, format 2) and
`POST /api/v1/validation/decp-tabulaire` (consolidated CSV or Parquet). The file comes as the
multipart field `fichier` or as the request body. The answer is the report (200 whether the file is
valid or not); 413 beyond the size cap, 429 beyond the per-client rate, 400 without a file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from dataetat.web.envoi_limite import TropGros, client, limiteur, recevoir
from dataetat.web.errors import error

router = APIRouter(prefix="/api/v1/validation", tags=["validation"])


class ConstatModele(BaseModel):
    chemin: str
    champ: str
    code: str
    message: str
    valeur: Any = None


class EnregistrementModele(BaseModel):
    index: int
    type: str
    id: Any = None
    valide: bool
    erreurs: list[ConstatModele]
    avertissements: list[ConstatModele]


class StatsModele(BaseModel):
    enregistrements: int
    valides: int
    erreurs: int
    avertissements: int


class RapportModele(BaseModel):
    """The validation report (docs/decp.md): only the records with findings are listed."""

    valide: bool
    schema_: str = Field(alias="schema", description="decp-2.0.3, decp-2.0.2-xsd ou decp-tabulaire")
    fichier: str
    format: str
    stats: StatsModele
    enregistrements: list[EnregistrementModele]
    erreurs_fichier: list[ConstatModele]
    avertissements_fichier: list[ConstatModele]


def _corps(autres: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body: the multipart field `fichier`, or the file as the body."""
    multipart = {
        "schema": {
            "type": "object",
            "properties": {"fichier": {"type": "string", "format": "binary"}},
            "required": ["fichier"],
        }
    }
    return {"requestBody": {"required": True, "content": {"multipart/form-data": multipart} | autres}}


_CORPS = _corps(
    {
        "application/json": {"schema": {"type": "object", "description": "Un fichier DECP JSON (format 2)."}},
        "application/xml": {"schema": {"type": "string", "description": "Un fichier DECP XML (format 2)."}},
    }
)
_CORPS_TABULAIRE = _corps(
    {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
    }
)
_REPONSES = {
    400: {"description": "Aucun fichier envoyé (`fichier-absent`)."},
    413: {"description": "Fichier au-delà de la taille maximale (`fichier-trop-gros`)."},
    429: {"description": "Trop de validations pour ce client (`trop-de-requetes`), voir `Retry-After`."},
}


@router.post("/decp", response_model=RapportModele, responses=_REPONSES, openapi_extra=_CORPS)
async def valider_decp(request: Request) -> Any:
    """Valider un fichier DECP (JSON schéma 2.0.3 ou XML XSD 2.0.2) : schéma officiel et règles métier.
    Ouvert sans compte."""
    from dataetat.decp.validation import valider_fichier

    return await _valider(request, lambda recu: valider_fichier(recu.flux, nom=recu.nom).as_dict())


@router.post(
    "/decp-tabulaire", response_model=RapportModele, responses=_REPONSES, openapi_extra=_CORPS_TABULAIRE
)
async def valider_decp_tabulaire(request: Request) -> Any:
    """Valider un fichier DECP consolidé (CSV ou Parquet, une ligne par marché et titulaire). Ouvert sans compte."""
    from dataetat.decp.validation.tabulaire import valider_tabulaire

    return await _valider(request, lambda recu: valider_tabulaire(recu.flux, nom=recu.nom).as_dict())


async def _valider(request: Request, run) -> Any:
    settings = request.app.state.settings
    wait = await run_in_threadpool(limiteur(request).attente, client(request))  # a short DB transaction
    if wait > 0:
        response = error(
            429, "trop-de-requetes", "Trop de validations depuis votre adresse : réessayez dans une minute."
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        recu = await recevoir(request, settings.validation_taille_max_mo * 1024 * 1024)
    except TropGros:
        return error(
            413,
            "fichier-trop-gros",
            f"Fichier trop volumineux : au plus {settings.validation_taille_max_mo} Mo.",
        )
    if recu is None:
        return error(
            400,
            "fichier-absent",
            "Aucun fichier : envoyez-le dans le champ « fichier » (multipart) ou comme corps de la requête.",
        )
    try:
        return JSONResponse(await run_in_threadpool(run, recu))
    finally:
        recu.flux.close()
