"""Look-ups for the search form: referentials, places, beneficiaries, tags — each with a search term."""

from __future__ import annotations

from fastapi import APIRouter, Query

from dataetat.query import lookups
from dataetat.web.deps import CurrentIdentity, Db

router = APIRouter(prefix="/api/v1/referentiels")


@router.get("/programmes")
async def programmes(
    me: CurrentIdentity, db: Db, q: str | None = None, limite: int | None = None
) -> list[dict]:
    """Programmes of the referential, then those of the lines you may see that it lacks."""
    return await db.read(lookups.programmes, q, limite, me.region)


@router.get("/referentiels-programmation")
async def referentiels_programmation(
    me: CurrentIdentity,
    db: Db,
    q: str | None = None,
    code_programme: str | None = None,
    limite: int | None = None,
) -> list[dict]:
    """Activities; `code_programme` (comma-separated) keeps those of these programmes."""
    wanted = [p for p in (code_programme or "").split(",") if p.strip()]
    return await db.read(lookups.referentiels_programmation, q, wanted, limite, me.region)


@router.get("/zones/{niveau}")
async def zones(db: Db, niveau: str, q: str | None = None, limite: int | None = None) -> list[dict]:
    """region, departement, arrondissement, epci or commune, by code prefix, postal code or name."""
    return await db.read(lookups.zones, niveau, q, limite)


@router.get("/beneficiaires")
async def beneficiaires(
    me: CurrentIdentity, db: Db, q: str = Query(""), limite: int | None = None
) -> list[dict]:
    """Beneficiaries of the lines you may see, by SIRET prefix or name (3 characters at least)."""
    return await db.read(lookups.beneficiaires, q, me.region, limite)


@router.get("/tags")
async def tags(me: CurrentIdentity, db: Db, q: str | None = None, limite: int | None = None) -> list[dict]:
    """Tags found on the lines you may see, with their French label."""
    return await db.read(lookups.tags, q, me.region, limite)


@router.get("/centres-couts")
async def centres_couts(
    me: CurrentIdentity, db: Db, q: str | None = None, limite: int | None = None
) -> list[dict]:
    return await db.read(lookups.centres_couts, q, limite, me.region)


@router.get("/domaines-fonctionnels")
async def domaines_fonctionnels(
    me: CurrentIdentity, db: Db, q: str | None = None, limite: int | None = None
) -> list[dict]:
    return await db.read(lookups.domaines_fonctionnels, q, limite, me.region)
