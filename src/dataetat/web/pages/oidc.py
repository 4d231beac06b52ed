"""Login through OpenID Connect (server mode: Keycloak, ProConnect…), authorization code + PKCE.

GET /connexion/oidc?suite=/page    → redirect to the provider; state, nonce and the PKCE verifier
                                     wait in a signed cookie living 10 minutes (path /connexion/oidc).
GET /connexion/oidc/retour         → state checked, code exchanged, ID token validated, claims mapped
                                     to e-mail, role and région, local account created or brought up
                                     to date (auth/oidc_comptes.py), then the app's session opened.
Every failure is a French page (400/403/502), never a stack trace.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dataetat.auth import oidc_comptes, sessions
from dataetat.auth.oidc import OidcClient, OidcError, Pending, same
from dataetat.web.deps import Db
from dataetat.web.errors import local_path
from dataetat.web.oidc import client_of
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)

COOKIE = "dataetat_oidc"
COOKIE_PATH = "/connexion/oidc"
MAX_AGE = 600
STATUS = {"fournisseur-injoignable": 502, "fournisseur-invalide": 502, "compte-desactive": 403}
STATUS |= {"droits-absents": 403, "compte-inconnu": 403}


def _serializer(request: Request) -> URLSafeTimedSerializer:
    auth: sessions.Authentication = request.app.state.auth
    return URLSafeTimedSerializer(auth.secret, salt="dataetat-oidc")


def _failure(request: Request, message: str, status: int = 400) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        "oidc_erreur.html",
        {"message": message, "page_active": None, "page_connexion": True},
        status_code=status,
    )
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_retour"))


def _client(request: Request) -> OidcClient | None:
    return client_of(request.app)


@router.get("/connexion/oidc", name="oidc_connexion")
async def connexion_oidc(request: Request, suite: str | None = None) -> Response:
    client = _client(request)
    if client is None:
        return _failure(
            request, "La connexion par fournisseur d'identité n'est pas configurée sur ce serveur.", 404
        )
    try:
        url, pending = await run_in_threadpool(client.authorization_url, _redirect_uri(request))
    except OidcError as exc:
        return _failure(request, str(exc), STATUS.get(exc.code, 400))
    value = _serializer(request).dumps(
        [pending.state, pending.nonce, pending.verifier, local_path(suite) or "/"]
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",  # sent back on the provider's top-level redirect
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/connexion/oidc/retour", name="oidc_retour")
async def retour_oidc(
    request: Request,
    db: Db,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    client = _client(request)
    if client is None:
        return _failure(
            request, "La connexion par fournisseur d'identité n'est pas configurée sur ce serveur.", 404
        )
    try:
        stored, nonce, verifier, suite = _serializer(request).loads(
            request.cookies.get(COOKIE, ""), max_age=MAX_AGE
        )
    except (BadSignature, ValueError, TypeError):
        return _failure(
            request,
            "Connexion expirée ou commencée dans un autre navigateur : recommencez-la (10 minutes au plus).",
        )
    if error:
        return _failure(request, "Le fournisseur d'identité n'a pas autorisé la connexion ; recommencez-la.")
    if not state or not same(state, stored):
        return _failure(
            request,
            "Réponse du fournisseur d'identité sans rapport avec votre connexion (state) : recommencez-la.",
        )
    if not code:
        return _failure(
            request, "Réponse du fournisseur d'identité sans code d'autorisation : recommencez-la."
        )
    pending = Pending(stored, nonce, verifier)
    try:
        tokens = await run_in_threadpool(client.exchange, code, pending, _redirect_uri(request))
        user = await run_in_threadpool(client.login_user, tokens, pending)
    except OidcError as exc:
        return _failure(request, str(exc), STATUS.get(exc.code, 400))
    adresse = request.client.host if request.client else None
    try:
        account = await db.write_retrying(oidc_comptes.login, user, adresse)
    except OidcError as exc:  # a known agent refused (no account, disabled): audited
        await db.write(oidc_comptes.refused, user, str(exc), adresse)
        return _failure(request, str(exc), STATUS.get(exc.code, 400))
    auth: sessions.Authentication = request.app.state.auth
    response = RedirectResponse(local_path(suite) or "/", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    secure = request.url.scheme == "https"
    response.set_cookie(
        sessions.COOKIE, auth.encode(account.id, account.version), **sessions.cookie_options(secure)
    )
    return response
