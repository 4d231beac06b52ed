"""The public page « Valider un fichier de commande publique »: drop a DECP file (JSON/XML, or the
consolidated CSV/Parquet), see the report as a table (filtered by level and field in the browser),
download it as CSV or JSON. No account needed; same size cap and rate as the open API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dataetat.web import csrf
from dataetat.web.deps import OptionalIdentity
from dataetat.web.envoi_limite import TropGros, client, limiteur, recevoir
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
CHEMIN = "/valider"
MAX_DETAILS_PAGE = 2_000  # records with findings shown (the totals count the whole file)
TYPES = {"decp": "DECP JSON ou XML (format 2)", "tabulaire": "DECP consolidé (CSV ou Parquet)"}


@router.get(CHEMIN, response_class=HTMLResponse)
async def page(request: Request, _me: OptionalIdentity):
    return _rendre(request)


@router.post(CHEMIN, response_class=HTMLResponse)
async def valider(request: Request, _me: OptionalIdentity):
    settings = request.app.state.settings
    wait = await run_in_threadpool(limiteur(request).attente, client(request))  # a short DB transaction
    if wait > 0:
        response = _rendre(
            request, 429, erreur="Trop de validations depuis votre adresse : réessayez dans une minute."
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        recu = await recevoir(request, settings.validation_taille_max_mo * 1024 * 1024)
    except TropGros:
        return _rendre(
            request, 413, erreur=f"Fichier trop volumineux : au plus {settings.validation_taille_max_mo} Mo."
        )
    if recu is None:
        return _rendre(request, 400, erreur="Choisissez un fichier à valider.")
    try:
        if not await csrf.matches(recu.requete):
            return _rendre(request, 403, erreur=csrf.REFUS)
        form = await recu.requete.form()
        kind = form.get("type") if form.get("type") in TYPES else "decp"
        rapport = await run_in_threadpool(_valider, kind, recu)
    finally:
        recu.flux.close()
    return _rendre(request, 200, rapport=rapport, type_choisi=kind)


def _valider(kind: str, recu) -> dict:
    if kind == "tabulaire":
        from dataetat.decp.validation.tabulaire import valider_tabulaire

        return valider_tabulaire(recu.flux, nom=recu.nom, max_details=MAX_DETAILS_PAGE).as_dict()
    from dataetat.decp.validation import valider_fichier

    return valider_fichier(recu.flux, nom=recu.nom, max_details=MAX_DETAILS_PAGE).as_dict()


def lignes(rapport: dict) -> list[dict]:
    """One row per finding, file findings first (the table, the CSV download)."""
    out = []
    for niveau, key in (("erreur", "erreurs_fichier"), ("avertissement", "avertissements_fichier")):
        out.extend({"niveau": niveau, "index": "", "type": "fichier", "id": ""} | c for c in rapport[key])
    for r in rapport["enregistrements"]:
        for niveau, key in (("erreur", "erreurs"), ("avertissement", "avertissements")):
            out.extend(
                {"niveau": niveau, "index": r["index"], "type": r["type"], "id": r["id"]} | c for c in r[key]
            )
    return out


def _rendre(
    request: Request, status: int = 200, *, erreur: str | None = None, rapport=None, type_choisi="decp"
):
    settings = request.app.state.settings
    token = csrf.token(request)
    rows = lignes(rapport) if rapport else []
    context = {
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        "erreur": erreur,
        "rapport": rapport,
        "lignes": rows,
        "champs": sorted({r["champ"] for r in rows if r["champ"]}),
        "types": TYPES,
        "type_choisi": type_choisi,
        "taille_max_mo": settings.validation_taille_max_mo,
        "page_active": CHEMIN,
    }
    response = templates.TemplateResponse(request, "validation_decp.html", context, status_code=status)
    return csrf.with_cookie(response, request, token)
