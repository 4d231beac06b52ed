"""The Table Schemas of what the instance publishes, anonymous: `/schemas/NAME.json` (catalog/schemas/),
and `/schemas` listing them. Each is checked valid by tests (frictionless)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dataetat.catalog import tableschema
from dataetat.web.errors import NotFound

router = APIRouter(tags=["Données ouvertes (sans compte)"])


@router.get("/schemas")
async def liste_schemas() -> dict:
    """The Table Schemas served here."""
    return {
        "schemas": [
            {"nom": name, "titre": tableschema.schema(name).get("title"), "url": f"/schemas/{name}.json"}
            for name in tableschema.names()
        ]
    }


@router.get("/schemas/{name}.json")
async def schema(name: str) -> JSONResponse:
    """One Table Schema (application/schema+json)."""
    if name not in tableschema.names():
        raise NotFound("schema-introuvable", f"Aucun schéma « {name[:40]} » : voir /schemas.")
    return JSONResponse(tableschema.schema(name), media_type="application/schema+json")
