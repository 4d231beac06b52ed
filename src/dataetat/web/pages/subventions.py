"""The « Subventions (Data Subvention) » panels, loaded by htmx after their page so that a slow or
absent service never slows the page (the placeholder is in beneficiaire.html and _ligne.html):

- `/beneficiaires/{siret}/subventions`: each subsidy of the association by exercice, with totals;
  a subsidy whose EJ is a visible Chorus line links to it;
- `/lignes/{id}/subventions`: the subsidy whose EJ is the line's n_ej.

Région-scoped like the pages they belong to: a 404 for a SIRET or a line the identity cannot see.
Every state of the service (unavailable, token not configured, none known, not an association) is a
200 with a French message, so htmx swaps it in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from dataetat.connectors.data_subvention import Etat
from dataetat.query import beneficiaires, details
from dataetat.query import subventions as panels
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.detail import LineId
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
DATA_SUBVENTION_UI = "https://datasubvention.beta.gouv.fr/etablissement/"


def _not_found(request: Request, message: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "_subventions_introuvable.html", {"message": message}, status_code=404
    )


@router.get("/beneficiaires/{siret}/subventions", response_class=HTMLResponse)
async def panneau_beneficiaire(siret: str, request: Request, me: CurrentIdentity, db: Db):
    who = await db.read(beneficiaires.identite, siret, me.region)
    if who is None:
        return _not_found(request, "Bénéficiaire introuvable parmi ceux que vous pouvez voir.")
    panel = await run_in_threadpool(panels.panneau, db.engine, request.app.state.settings, who, me.region)
    context: dict[str, Any] = {"p": panel, "lien_data_subvention": DATA_SUBVENTION_UI + siret}
    return templates.TemplateResponse(request, "_subventions.html", context)


@router.get("/lignes/{line_id}/subventions", response_class=HTMLResponse)
async def panneau_ligne(line_id: LineId, request: Request, me: CurrentIdentity, db: Db):
    line = await db.read(details.line, line_id, me.region)
    if line is None:
        return _not_found(request, "Ligne introuvable parmi celles que vous pouvez voir.")
    siret = line.get("beneficiaire_code") or ""
    who = await db.read(beneficiaires.identite, siret, me.region)
    if who is None:  # no SIRET (an operator's aid to a person…), or one SIRENE does not know
        panel = panels.Panneau(siret, Etat.AUCUNE, "Cette ligne n'a pas de SIRET de bénéficiaire connu : "
                               "Data Subvention ne peut pas être interrogé.")  # fmt: skip
    else:
        panel = await run_in_threadpool(panels.panneau, db.engine, request.app.state.settings, who, me.region)
    context: dict[str, Any] = {
        "p": panel,
        "n_ej": line.get("n_ej"),
        "subventions": panels.de_la_ligne(panel, line.get("n_ej")),
        "lien_data_subvention": DATA_SUBVENTION_UI + siret,
    }
    return templates.TemplateResponse(request, "_subventions_ligne.html", context)
