"""« Comptes » (ADMIN only: `deps.Admin`): the accounts, filtered by text (e-mail, nom), role and
state; per account a form changing its role and région and a button enabling or disabling it; a form
creating an account. Every form is a plain POST checked by web/csrf.py, answered by a redirect (303)
to the list with what happened, or by the list with a French alert when refused.

Every change moves the account's version on (`store.comptes.update`): its open sessions are refused
at their next request. Each change is recorded in the audit log, by the admin's e-mail. An admin may
not disable their own account nor take their own ADMIN role away (someone must stay able to undo).

How a new account logs in depends on the mode: with an OpenID Connect provider (`oidc_issuer`) it is
created without a password and the agent logs in through the provider; otherwise a password is drawn
(`secrets`) and shown once, on the answer to the creation only (`Cache-Control: no-store`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi import Path as FastAPIPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from dataetat.auth import passwords, sessions
from dataetat.auth.oidc_comptes import NO_PASSWORD
from dataetat.query import lookups
from dataetat.store import audit, comptes
from dataetat.store.comptes import Compte, CompteError
from dataetat.web import confirmation, csrf
from dataetat.web.deps import Admin, Db, Identity
from dataetat.web.errors import NotFound
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
CompteId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]
Champ = Annotated[str, Form(max_length=400)]

ROLES = {"USERS": "Lecture", "COMPTABLE": "Comptable", "ADMIN": "Administrateur"}
ETATS = {"oui": "Actifs", "non": "Désactivés"}
NATIONALE = "NAT"
MESSAGES = {
    "modifie": "Le compte {email} a été modifié. Ses sessions ouvertes sont fermées : il se reconnecte avec ses nouveaux droits.",
    "inchange": "Le compte {email} n'a pas changé.",
    "desactive": "Le compte {email} est désactivé : il ne peut plus se connecter et ses sessions ouvertes sont fermées.",
    "active": "Le compte {email} est de nouveau actif.",
}
SOI_DESACTIVER = "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur."
SOI_ROLE = (
    "Vous ne pouvez pas retirer votre propre rôle d'administrateur : demandez-le à un autre administrateur."
)
INTROUVABLE = "Ce compte n'existe pas (ou plus)."


@dataclass(frozen=True)
class Filtres:
    """The list's filters, as typed in the address (unknown values ignored)."""

    q: str = ""
    role: str = ""
    actif: str = ""

    @classmethod
    def of(cls, values: Any) -> Filtres:
        role, actif = (values.get(k) or "" for k in ("role", "actif"))
        return cls(
            q=(values.get("q") or "").strip()[:200],
            role=role if role in ROLES else "",
            actif=actif if actif in ETATS else "",
        )

    def query(self, **extra: str) -> str:
        values = {"q": self.q, "role": self.role, "actif": self.actif, **extra}
        return urlencode({k: v for k, v in values.items() if v})

    def keeps(self, c: Compte) -> bool:
        text = self.q.lower()
        return (
            (not text or text in c.email or text in (c.nom or "").lower())
            and (not self.role or c.role == self.role)
            and (not self.actif or c.actif == (self.actif == "oui"))
        )


def _moment(value) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def _data(conn: Connection) -> tuple[list[Compte], dict[str, str]]:
    regions = lookups.zones(conn, "region", None, lookups.LIMITE_MAX)
    return comptes.all_accounts(conn), {r["code"]: r["label"] for r in regions}


def _mode(request: Request) -> dict[str, bool]:
    settings = request.app.state.settings
    oidc = bool(settings.oidc_issuer)
    return {"oidc": oidc, "droits_du_fournisseur": oidc and bool(settings.oidc_claim_roles.strip())}


async def _page(request: Request, me: Identity, db: Db, status: int = 200, **context: Any) -> HTMLResponse:
    filtres = Filtres.of(request.query_params)
    accounts, regions = await db.read(_data)
    shown = [c for c in accounts if filtres.keeps(c)]
    token = csrf.token(request)
    context = {
        "page_active": "/admin/comptes",
        "f": filtres,
        "retour": filtres.query(),
        "comptes": [
            {
                "c": c,
                "region": regions.get(c.region, c.region) if c.region else "Nationale",
                "derniere_connexion": _moment(c.derniere_connexion),
                "cree_le": _moment(c.cree_le),
                "soi": c.email == me.user,
            }
            for c in shown
        ],
        "total": len(accounts),
        "roles": ROLES,
        "etats": ETATS,
        "regions": regions,
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        **_mode(request),
        **context,
    }
    response = templates.TemplateResponse(request, "admin_comptes.html", context, status_code=status)
    return csrf.with_cookie(response, request, token)


def _region(value: str, regions: dict[str, str]) -> str | None:
    """The région of a form: NAT → None (national), else a code of the régions referential."""
    if value == NATIONALE:
        return None
    if value not in regions:
        raise CompteError("Choisissez une région de la liste, ou « Nationale ».")
    return value


def _retour(retour: str, ok: str, compte_id: int) -> RedirectResponse:
    filtres = Filtres.of(dict(parse_qsl(retour)))
    return RedirectResponse(f"/admin/comptes?{filtres.query(ok=ok, id=str(compte_id))}", status_code=303)


@router.get("/admin/comptes", response_class=HTMLResponse)
async def page(request: Request, me: Admin, db: Db):
    context: dict[str, Any] = {}
    ok, compte_id = request.query_params.get("ok", ""), request.query_params.get("id", "")
    if ok in MESSAGES and compte_id.isascii() and compte_id.isdigit() and len(compte_id) < 19:
        found = await db.read(comptes.by_id, int(compte_id))
        if found is not None:
            context["message"] = MESSAGES[ok].format(email=found.email)
    return await _page(request, me, db, **context)


def _create(conn: Connection, me: Identity, email: str, nom: str, role: str, region: str, hash_: str) -> str:
    _, regions = _data(conn)
    if role not in ROLES:
        raise CompteError("Choisissez le rôle du compte.")
    chosen = _region(region, regions)
    email = comptes.normalise_email(email)
    if len(email) > 320:
        raise CompteError("Adresse e-mail trop longue.")
    comptes.create(conn, email, role, chosen, hash_, nom.strip()[:200] or None)
    audit.account_created(conn, me.user, email, role, chosen, by_region=me.region)
    return email


@router.post("/admin/comptes", response_class=HTMLResponse)
async def creer(
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    email: Champ = "",
    nom: Champ = "",
    role: Champ = "",
    region: Champ = "",
):
    saisie = {"email": email, "nom": nom, "role": role, "region": region}
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS, saisie=saisie)
    oidc = _mode(request)["oidc"]
    password = None if oidc else secrets.token_urlsafe(18)  # 24 characters, 144 bits
    hash_ = NO_PASSWORD if password is None else await run_in_threadpool(passwords.hash_password, password)
    try:
        created = await db.write(_create, me, email, nom, role, region, hash_)
    except CompteError as exc:
        status = 409 if "existe déjà" in str(exc) else 400
        return await _page(request, me, db, status, erreur=str(exc), saisie=saisie)
    response = await _page(request, me, db, 201, cree={"email": created, "mot_de_passe": password})
    response.headers["Cache-Control"] = "no-store"  # the password is shown once, never kept
    return response


def _change(conn: Connection, me: Identity, compte_id: int, role: str, region: str) -> tuple[str, Compte]:
    current = comptes.by_id(conn, compte_id)
    if current is None:
        raise LookupError(INTROUVABLE)
    if role not in ROLES:
        raise CompteError("Choisissez le rôle du compte.")
    _, regions = _data(conn)
    chosen = _region(region, regions)
    if current.email == me.user and role != "ADMIN":
        raise PermissionError(SOI_ROLE)
    changes = {
        name: [before, after]
        for name, before, after in (("role", current.role, role), ("region", current.region, chosen))
        if before != after
    }
    if not changes:
        return "inchange", current
    updated = comptes.update(conn, current.email, role=role, region=chosen)
    audit.account_changed(conn, me.user, current.email, changes, by_region=me.region)
    return "modifie", updated


def _switch(conn: Connection, me: Identity, compte_id: int, actif: bool) -> tuple[str, Compte]:
    current = comptes.by_id(conn, compte_id)
    if current is None:
        raise LookupError(INTROUVABLE)
    if current.email == me.user and not actif:
        raise PermissionError(SOI_DESACTIVER)
    if current.actif == actif:
        return "inchange", current
    updated = comptes.update(conn, current.email, actif=actif)
    if actif:
        audit.account_changed(conn, me.user, current.email, {"actif": [False, True]}, by_region=me.region)
    else:
        audit.account_disabled(conn, me.user, current.email, by_region=me.region)
    return ("active" if actif else "desactive"), updated


async def _apply(request: Request, me: Identity, db: Db, retour: str, fn, *args) -> Response:
    """Run a change of an account; the list with a French alert when refused, else back to it. The
    admin who changed their own account (its région) keeps their session: a new cookie carries the
    account's new version."""
    try:
        ok, account = await db.write(fn, me, *args)
    except (LookupError, PermissionError, CompteError) as exc:
        status = {LookupError: 404, PermissionError: 403}.get(type(exc), 400)
        return await _page(request, me, db, status, erreur=str(exc))
    response = _retour(retour, ok, account.id)
    auth: sessions.Authentication = request.app.state.auth
    if ok != "inchange" and account.email == me.user and not auth.development:
        cookie = auth.encode(account.id, account.version)
        response.set_cookie(sessions.COOKIE, cookie, **sessions.cookie_options(request.url.scheme == "https"))
    return response


@router.post("/admin/comptes/{compte_id}", response_class=HTMLResponse)
async def modifier(
    compte_id: CompteId,
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    role: Champ = "",
    region: Champ = "",
    retour: Champ = "",
):
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS)
    return await _apply(request, me, db, retour, _change, compte_id, role, region)


@router.post("/admin/comptes/{compte_id}/actif", response_class=HTMLResponse)
async def activer(
    compte_id: CompteId,
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    actif: Champ = "",
    retour: Champ = "",
):
    if not jeton_valide:
        return await _page(request, me, db, 403, erreur=csrf.REFUS)
    if actif not in ("0", "1"):
        return await _page(request, me, db, 400, erreur="Demande incomprise : activer ou désactiver ?")
    if actif == "0" and not confirmation.given(await request.form()):
        compte = await db.read(comptes.by_id, compte_id)
        if compte is None:
            raise NotFound("compte-introuvable", f"Aucun compte {compte_id}.")
        return confirmation.page(
            request,
            question=f"Désactiver le compte {compte.email} ?",
            detail="L'agent ne pourra plus se connecter et ses sessions ouvertes seront fermées.",
            action=f"/admin/comptes/{compte_id}/actif",
            bouton="Désactiver le compte",
            retour=f"/admin/comptes?{Filtres.of(dict(parse_qsl(retour))).query()}",
            champs={"actif": "0", "retour": retour},
            page_active="/admin/comptes",
        )
    return await _apply(request, me, db, retour, _switch, compte_id, actif == "1")
