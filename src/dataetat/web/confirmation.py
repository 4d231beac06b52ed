"""Destructive forms ask first, whatever the page's loading state. The form carries
`data-confirmer="question"`: static/app/confirmer.js asks it in the browser and, on « OK », adds
`confirme=oui` to what is sent. A form sent without it (its script not loaded yet, or no JavaScript)
changes nothing: the route answers this page instead, with the question and a form that sends the
same fields again with `confirme=oui`, and « Annuler » back to where the user was.

    if not confirmation.given(form):
        return confirmation.page(request, question=…, action=request.url.path, bouton=…, retour=…)
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from dataetat.web import csrf
from dataetat.web.pages.templating import templates

FIELD = "confirme"


def given(form: Mapping) -> bool:
    return form.get(FIELD) == "oui"


def page(
    request: Request,
    *,
    question: str,
    detail: str = "",
    action: str,
    bouton: str,
    retour: str,
    champs: Mapping[str, str] | None = None,
    page_active: str | None = None,
) -> HTMLResponse:
    """The confirmation page: `champs` are sent again (besides the CSRF token and `confirme`)."""
    token = csrf.token(request)
    context = {
        "question": question,
        "detail": detail,
        "action": action,
        "bouton": bouton,
        "retour": retour,
        "champs": {k: v for k, v in (champs or {}).items() if k not in (csrf.FIELD, FIELD)},
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        "champ_confirme": FIELD,
        "page_active": page_active,
    }
    response = templates.TemplateResponse(request, "confirmation.html", context)
    response.headers["Cache-Control"] = "no-store"
    return csrf.with_cookie(response, request, token)
