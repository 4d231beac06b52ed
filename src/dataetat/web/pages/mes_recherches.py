""" "Mes recherches": the saved searches of whoever is asking (name, date, French summary, Appliquer
→ the search page, Renommer, Supprimer, Partager) and those shared with them (who shared, Appliquer).
"Sauvegarder la recherche" on the search page posts here. Every form is a plain POST protected by
web/csrf.py, answered by a redirect (303) to the list with what happened, or by the list with a
French alert when refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Form, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, RedirectResponse

from dataetat.query.params import QueryError
from dataetat.store import recherches as store
from dataetat.web import confirmation, csrf, sauvegardes
from dataetat.web.courriel import annoncer, lien_absolu
from dataetat.web.deps import CurrentIdentity, Db, Identity
from dataetat.web.errors import Conflict, NotFound
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
RechercheId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]
Texte = Annotated[str, Form(max_length=20_000)]

MESSAGES = {
    "enregistree": "La recherche a été sauvegardée.",
    "renommee": "La recherche a été renommée.",
    "supprimee": "La recherche a été supprimée.",
    "partagee": "La recherche a été partagée.",
}
COURRIELS = {
    "envoye": ("success", "Un courriel avec le lien leur a été envoyé."),
    "echec": ("warning", "Le courriel n'a pas pu être envoyé : copiez le lien ci-dessous et envoyez-le."),
    "non-configure": (
        "info",
        "Copiez ce lien et envoyez-le : ils retrouveront aussi la recherche "
        "dans « Mes recherches », rubrique « Partagées avec moi ».",
    ),
}


def _date_heure(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y à %H h %M")


def _ligne(conn, x: store.Sauvegarde, partages: list[store.Partage] | None = None) -> dict[str, Any]:
    r = sauvegardes.recherche_de(x)
    return {
        "id": x.id,
        "nom": x.nom,
        "modifie_le": _date_heure(x.modifie_le),
        "resume": sauvegardes.resume(conn, r),
        "url": sauvegardes.url(r),
        "destinataires": [p.destinataire for p in partages or []],
        "partage_par": x.partage_par,
        "partage_le": _date_heure(x.partage_le) if x.partage_le else "",
    }


def _lists(conn, user: str) -> dict[str, Any]:
    return {
        "miennes": [_ligne(conn, x, store.shares_of(conn, x.id)) for x in store.list_of(conn, user)],
        "partagees": [_ligne(conn, x) for x in store.shared_with(conn, user)],
    }


async def _page(request: Request, me: Identity, db: Db, status: int = 200, **context: Any) -> HTMLResponse:
    token = csrf.token(request)
    lists = await db.read(_lists, me.user)
    context = {**lists, "csrf": token, "csrf_champ": csrf.FIELD, "page_active": "/recherches", **context}
    response = templates.TemplateResponse(request, "mes_recherches.html", context, status_code=status)
    return csrf.with_cookie(response, request, token)


async def _refus(request: Request, me: Identity, db: Db, exc: Exception, **context: Any) -> HTMLResponse:
    """The list with the French reason of a refused form, and the matching status."""
    status = {QueryError: 400, NotFound: 404, Conflict: 409, sauvegardes.Interdit: 403}[type(exc)]
    return await _page(request, me, db, status, erreur=str(exc), **context)


def _retour(ok: str, recherche_id: int, **extra: str) -> RedirectResponse:
    query = "&".join(f"{k}={v}" for k, v in {"ok": ok, "id": str(recherche_id), **extra}.items())
    return RedirectResponse(f"/recherches?{query}", status_code=303)


@router.get("/recherches", response_class=HTMLResponse)
async def page_mes_recherches(request: Request, me: CurrentIdentity, db: Db):
    ok, courriel = request.query_params.get("ok"), request.query_params.get("courriel")
    context: dict[str, Any] = {"message": MESSAGES.get(ok or ""), "courriel": COURRIELS.get(courriel or "")}
    if ok == "partagee" and courriel in ("echec", "non-configure"):
        try:
            found = await db.read(sauvegardes.a_moi, int(request.query_params.get("id", "")), me.user)
            context["lien"] = lien_absolu(request, found)
        except (ValueError, NotFound, sauvegardes.Interdit):
            pass
    return await _page(request, me, db, **context)


@router.post("/recherches")
async def sauvegarder(
    request: Request,
    jeton_valide: csrf.Checked,
    me: CurrentIdentity,
    db: Db,
    nom: Texte = "",
    parametres: Texte = "",
):
    """Save the search of the page that posted (its URL parameters) under a name."""
    retour = "/?" + parametres
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS, retour=retour)
    try:
        r = sauvegardes.lire(parse_qs(parametres))
        recherche_id = await db.write_retrying(sauvegardes.enregistrer, me.user, nom, r)
    except (QueryError, Conflict) as exc:
        return await _refus(request, me, db, exc, retour=retour, nom=nom, parametres=parametres)
    return _retour("enregistree", recherche_id)


@router.post("/recherches/{recherche_id}/renommer")
async def renommer(
    recherche_id: RechercheId,
    request: Request,
    jeton_valide: csrf.Checked,
    me: CurrentIdentity,
    db: Db,
    nom: Texte = "",
):
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS)
    try:
        await db.write_retrying(sauvegardes.renommer, recherche_id, me.user, nom)
    except (QueryError, Conflict, NotFound, sauvegardes.Interdit) as exc:
        return await _refus(request, me, db, exc)
    return _retour("renommee", recherche_id)


@router.post("/recherches/{recherche_id}/supprimer")
async def supprimer(
    recherche_id: RechercheId, request: Request, jeton_valide: csrf.Checked, me: CurrentIdentity, db: Db
):
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS)
    if not confirmation.given(await request.form()):
        try:
            x = await db.read(sauvegardes.a_moi, recherche_id, me.user)
        except (NotFound, sauvegardes.Interdit) as exc:
            return await _refus(request, me, db, exc)
        return confirmation.page(
            request,
            question=f"Supprimer la recherche « {x.nom} » ?",
            detail="Les personnes avec qui vous l'avez partagée ne la verront plus. Cette action est définitive.",
            action=f"/recherches/{recherche_id}/supprimer",
            bouton="Supprimer la recherche",
            retour="/recherches",
            page_active="/recherches",
        )
    try:
        await db.write(sauvegardes.supprimer, recherche_id, me.user)
    except (NotFound, sauvegardes.Interdit) as exc:
        return await _refus(request, me, db, exc)
    return _retour("supprimee", recherche_id)


@router.post("/recherches/{recherche_id}/partager")
async def partager(
    recherche_id: RechercheId,
    request: Request,
    jeton_valide: csrf.Checked,
    me: CurrentIdentity,
    db: Db,
    emails: Texte = "",
):
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS)
    try:
        destinataires = sauvegardes.destinataires(emails, me.user)
        found = await db.write(sauvegardes.partager, recherche_id, me.user, destinataires)
    except (QueryError, NotFound, sauvegardes.Interdit) as exc:
        return await _refus(request, me, db, exc)
    etat = await annoncer(request, me.user, found, destinataires)
    return _retour("partagee", recherche_id, courriel=etat)
