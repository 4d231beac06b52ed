"""CSRF protection of the HTML forms, by double submit: a random token in an HttpOnly,
SameSite=Strict cookie, repeated in a hidden field of the form; a POST whose field (or
`X-CSRF-Token` header, for scripts) does not match its cookie is refused with a French 403.

    @router.get("/page")
    async def page(request: Request):
        token = csrf.token(request)
        response = templates.TemplateResponse(request, "page.html", {"csrf": token})
        return csrf.with_cookie(response, request, token)
    # in the form: <input type="hidden" name="{{ csrf_champ }}" value="{{ csrf }}">

    @router.post("/form")            # the page answers a refused form with its own 403
    async def form(ok: csrf.Checked): ...

Another site can make a browser send a form to us, but cannot read our cookie, hence cannot put
its value in the field; SameSite=Strict keeps the cookie off cross-site requests besides.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from dataetat.web.errors import Forbidden

COOKIE = "dataetat_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SAFE = ("GET", "HEAD", "OPTIONS")
REFUS = (
    "Formulaire refusé : son jeton de sécurité manque ou ne correspond pas. "
    "Rechargez la page puis renvoyez le formulaire."
)


def token(request: Request) -> str:
    """The token of this browser: the one of its cookie when it looks like ours, else a new one."""
    current = request.cookies.get(COOKIE, "")
    if len(current) == 43 and current.replace("-", "").replace("_", "").isalnum():
        return current
    return secrets.token_urlsafe(32)


def with_cookie(response: Response, request: Request, value: str) -> Response:
    """Set (or refresh) the token cookie on a page that shows a protected form."""
    response.set_cookie(
        COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def matches(request: Request) -> bool:
    """Whether the request is safe (GET…) or carries, in its form field or `X-CSRF-Token` header,
    the token of its cookie (compared in constant time)."""
    if request.method in _SAFE:
        return True
    cookie = request.cookies.get(COOKIE, "")
    sent = request.headers.get(HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else ""
    return bool(cookie and sent) and hmac.compare_digest(cookie.encode(), sent.encode())


# For a page that answers a refused form with its own HTML (403 and a DSFR alert).
Checked = Annotated[bool, Depends(matches)]


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")


async def refuse_forged_api_post(request: Request) -> None:
    """For a POST of the JSON API that a session cookie authorises (e.g. an export job): what a
    page of another site can make a browser send is refused — a form (the three content types an
    HTML form can send) without the token of its cookie, and any request the browser marks as
    coming from another site (`Sec-Fetch-Site`). The app's own buttons (fetch, same origin) and API
    clients (bearer token, no browser) pass. Raises the French 403."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("Requête refusée : elle vient d'un autre site.")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in _FORM_TYPES:
        if not await matches(request):
            raise Forbidden(REFUS)


NoForgedPost = Depends(refuse_forged_api_post)
