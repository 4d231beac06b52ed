"""« Connexion » (GET/POST /connexion) and « Se déconnecter » (GET/POST /deconnexion) of the embedded
mode: a DSFR form protected against cross-site requests (web/csrf.py); a refused login says the same
thing for an unknown e-mail, a wrong password or a disabled account; after 5 failures in 15 minutes
for one e-mail or one address, attempts are slowed down (auth/limiter.py, shared by the app servers). `suite` brings the user back
to the page that asked for a login; it may only be a path of this site."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from dataetat.auth import sessions
from dataetat.auth.login import LoginRefused, login
from dataetat.store import audit, comptes
from dataetat.web import csrf
from dataetat.web.deps import Db
from dataetat.web.errors import local_path
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, *, status: int = 200, **context) -> HTMLResponse:
    token = csrf.token(request)
    response = templates.TemplateResponse(
        request,
        template,
        {"page_active": None, "csrf": token, "csrf_champ": csrf.FIELD, "page_connexion": True, **context},
        status_code=status,
    )
    return csrf.with_cookie(response, request, token)


@router.get("/connexion", response_class=HTMLResponse)
async def page_connexion(request: Request, suite: str | None = None):
    return _page(request, "connexion.html", suite=local_path(suite) or "", email="")


@router.post("/connexion", response_class=HTMLResponse)
async def connexion(request: Request, jeton_valide: csrf.Checked, db: Db):
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("mot_de_passe") or "")
    suite = local_path(str(form.get("suite") or "")) or ""
    if not jeton_valide:
        return _page(request, "connexion.html", status=403, erreur=csrf.REFUS, suite=suite, email=email)
    auth: sessions.Authentication = request.app.state.auth
    client = request.client.host if request.client else None
    try:
        account = await run_in_threadpool(login, db.engine, auth, email, password, client)
    except LoginRefused as refused:
        status = 429 if refused.args[0].startswith("Trop") else 400
        motif = str(refused)
        await db.write(lambda conn: audit.login_refused(conn, email, motif, adresse=client))
        return _page(request, "connexion.html", status=status, erreur=str(refused), suite=suite, email=email)

    def logged_in(conn) -> None:  # simultaneous logins to one account race on its last login
        comptes.record_login(conn, account.id)
        audit.login(conn, account.email, account.region, methode="mot-de-passe", adresse=client)

    await db.write_retrying(logged_in)
    response = RedirectResponse(suite or "/", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        sessions.COOKIE, auth.encode(account.id, account.version), **sessions.cookie_options(secure)
    )
    return response


def _audit_logout(conn, compte_id: int) -> None:
    account = comptes.by_id(conn, compte_id)
    if account is not None:
        audit.logout(conn, account.email, account.region)


@router.get("/deconnexion", response_class=HTMLResponse)
async def page_deconnexion(request: Request):
    return _page(request, "deconnexion.html")


@router.post("/deconnexion", response_class=HTMLResponse)
async def deconnexion(request: Request, jeton_valide: csrf.Checked, db: Db):
    if not jeton_valide:
        return _page(request, "deconnexion.html", status=403, erreur=csrf.REFUS)
    session = request.app.state.auth.decode(request.cookies.get(sessions.COOKIE))
    if session is not None:
        await db.write(_audit_logout, session.compte_id)
    response = RedirectResponse("/connexion?deconnecte=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
