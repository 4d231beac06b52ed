"""Saved searches ("Mes recherches") as JSON: list, save, read, rename, delete, share, and the
searches shared with me (with who shared them). Only the owner changes or shares a search; a
recipient reads it and applies it (its `url`: the normal search page, scoped by the recipient).

    POST /api/v1/recherches {"nom": "Programme 103", "recherche": {"programmes": "103", "vue": "tableau"}}
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as FastAPIPath
from pydantic import BaseModel, Field

from dataetat.store import recherches as store
from dataetat.web import courriel, sauvegardes
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.errors import error

router = APIRouter(prefix="/api/v1/recherches", tags=["recherches"])
RechercheId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]


class Nouvelle(BaseModel):
    nom: str = Field(max_length=1000)
    recherche: dict[str, str | list[str] | int | bool] = Field(
        default_factory=dict,
        description="Paramètres d'URL de la recherche (codes), comme dans « /?programmes=103&vue=tableau ».",
    )
    version: int = sauvegardes.VERSION


class Renommage(BaseModel):
    nom: str = Field(max_length=1000)


class Destinataires(BaseModel):
    emails: list[str] = Field(max_length=1000)


def _interdit(exc: sauvegardes.Interdit):
    return error(403, "interdit", str(exc))


@router.get("")
async def mes_recherches(me: CurrentIdentity, db: Db) -> dict[str, Any]:
    def read(conn):
        return [
            sauvegardes.as_dict(conn, x, me.user, store.shares_of(conn, x.id))
            for x in store.list_of(conn, me.user)
        ]

    return {"recherches": await db.read(read)}


@router.get("/partagees")
async def partagees_avec_moi(me: CurrentIdentity, db: Db) -> dict[str, Any]:
    def read(conn):
        return [sauvegardes.as_dict(conn, x, me.user) for x in store.shared_with(conn, me.user)]

    return {"recherches": await db.read(read)}


@router.post("", status_code=201)
async def sauvegarder(body: Nouvelle, me: CurrentIdentity, db: Db) -> dict[str, Any]:
    if body.version != sauvegardes.VERSION:
        return error(
            400, "parametre-invalide", f"Version {body.version} inconnue : {sauvegardes.VERSION} attendue."
        )
    r = sauvegardes.lire(body.recherche)
    recherche_id = await db.write_retrying(sauvegardes.enregistrer, me.user, body.nom, r)
    return await lire(recherche_id, me, db)


@router.get("/{recherche_id}")
async def lire(recherche_id: RechercheId, me: CurrentIdentity, db: Db) -> dict[str, Any]:
    def read(conn):
        found = sauvegardes.visible(conn, recherche_id, me.user)
        mine = found.proprietaire == me.user
        return sauvegardes.as_dict(
            conn, found, me.user, store.shares_of(conn, recherche_id) if mine else None
        )

    return await db.read(read)


@router.patch("/{recherche_id}")
async def renommer(recherche_id: RechercheId, body: Renommage, me: CurrentIdentity, db: Db):
    try:
        await db.write_retrying(sauvegardes.renommer, recherche_id, me.user, body.nom)
    except sauvegardes.Interdit as exc:
        return _interdit(exc)
    return await lire(recherche_id, me, db)


@router.delete("/{recherche_id}", status_code=204)
async def supprimer(recherche_id: RechercheId, me: CurrentIdentity, db: Db):
    try:
        await db.write(sauvegardes.supprimer, recherche_id, me.user)
    except sauvegardes.Interdit as exc:
        return _interdit(exc)
    return None


@router.post("/{recherche_id}/partages")
async def partager(
    recherche_id: RechercheId, body: Destinataires, request: Request, me: CurrentIdentity, db: Db
):
    """Share with colleagues by e-mail; with `smtp_url` set they get an e-mail (`courriel`:
    "envoye" or "echec"), else `courriel` is "non-configure" and `lien` is the link to send them."""
    emails = sauvegardes.destinataires(body.emails, me.user)
    try:
        found = await db.write(sauvegardes.partager, recherche_id, me.user, emails)
    except sauvegardes.Interdit as exc:
        return _interdit(exc)
    etat = await courriel.annoncer(request, me.user, found, emails)
    return {
        **(await lire(recherche_id, me, db)),
        "courriel": etat,
        "lien": courriel.lien_absolu(request, found),
    }
