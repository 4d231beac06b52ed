"""« Règles d'étiquetage » (ADMIN only): the tag rules, each a tag and a search of the query
contract (`source=FINANCIAL_DATA_AE&code_programme=380`), shown in plain French with the number of
lines it finds now; add, edit (with a preview: how many lines, and a link opening the search page on
that search), disable or enable, delete (after a confirmation page), and « Réappliquer les règles »
(query/etiquetage.reapply: every line's tags recomputed, count and duration shown).

Every form is a plain POST checked by web/csrf.py, answered by a redirect (303) to the list with what
happened, or by the list with a French alert when refused. Each change is audited (store/tag_regles).
A rule change takes effect on the lines at the next re-application (this page's button, or any import).
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from dataetat.model.tags import label as tag_label
from dataetat.query import etiquetage
from dataetat.query.etiquetage import RegleError
from dataetat.store import tag_regles
from dataetat.web import csrf
from dataetat.web.deps import Admin, Db, Identity
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
RegleId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]
Champ = Annotated[str, Form(max_length=2000)]
PAGE = "/admin/etiquettes"
INTROUVABLE = "Cette règle n'existe pas (ou plus)."
MESSAGES = {
    "ajoutee": "La règle « {tag} » est ajoutée.",
    "modifiee": "La règle « {tag} » est modifiée.",
    "inchangee": "La règle « {tag} » n'a pas changé.",
    "activee": "La règle « {tag} » est de nouveau active.",
    "desactivee": "La règle « {tag} » est désactivée.",
    "supprimee": "La règle « {tag} » est supprimée.",
}
APPLIQUER = " Les lignes changent d'étiquettes quand les règles sont réappliquées (bouton « Réappliquer les règles », ou au prochain import)."


def search_link(parametres: str) -> str:
    """The search page on a rule's search (the page reads the API's parameter names)."""
    return "/?" + urlencode(parse_qsl(parametres.strip().lstrip("?")))


def _rules(conn: Connection) -> list[dict[str, Any]]:
    rules = tag_regles.all_rules(conn)
    counts = etiquetage.count_each(conn, {r.id: r.parametres for r in rules})
    return [
        {
            "r": r,
            "label": tag_label(r.tag),
            "recherche": etiquetage.describe(conn, r.parametres),
            "lignes": counts[r.id],
            "lien": search_link(r.parametres),
        }
        for r in rules
    ]


def _preview(conn: Connection, tag: str, parametres: str) -> dict[str, Any]:
    tag, parametres = etiquetage.validate_rule(tag, parametres)
    return {
        "tag": tag,
        "recherche": etiquetage.describe(conn, parametres),
        "lignes": etiquetage.count_matching(conn, parametres),
        "lien": search_link(parametres),
    }


async def _page(request: Request, db: Db, status: int = 200, **context: Any) -> HTMLResponse:
    rules = await db.read(_rules)
    token = csrf.token(request)
    query = request.query_params
    if "modifier" in query and "saisie" not in context:
        chosen = next((x["r"] for x in rules if str(x["r"].id) == query["modifier"]), None)
        if chosen is not None:
            context["saisie"] = {
                "tag": chosen.tag,
                "parametres": chosen.parametres,
                "description": chosen.description,
            }
            context["cible"] = chosen.id
    if "supprimer" in query:
        context["a_supprimer"] = next((x for x in rules if str(x["r"].id) == query["supprimer"]), None)
    context = {
        "page_active": PAGE,
        "regles": rules,
        "csrf": token,
        "csrf_champ": csrf.FIELD,
        "saisie": {},
        "cible": None,
        **context,
    }
    response = templates.TemplateResponse(request, "admin_etiquettes.html", context, status_code=status)
    return csrf.with_cookie(response, request, token)


@router.get(PAGE, response_class=HTMLResponse)
async def page(request: Request, me: Admin, db: Db):
    context: dict[str, Any] = {}
    query = request.query_params
    ok, tag = query.get("ok", ""), query.get("tag", "")
    if ok in MESSAGES:
        context["message"] = MESSAGES[ok].format(tag=tag[:80]) + ("" if ok == "inchangee" else APPLIQUER)
    elif ok == "reappliquees":
        lignes, secondes = query.get("lignes", ""), query.get("secondes", "")
        if (
            lignes.isascii()
            and lignes.isdigit()
            and secondes.isascii()
            and secondes.replace(".", "", 1).isdigit()
        ):
            count = f"{int(lignes):,}".replace(",", "\u202f")
            context["message"] = (
                f"Règles réappliquées en {secondes.replace('.', ',')} s : "
                f"{count} ligne(s) portent au moins une étiquette."
            )
    return await _page(request, db, **context)


def _back(ok: str, tag: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?{urlencode({'ok': ok, 'tag': tag})}", status_code=303)


def _add(conn: Connection, me: Identity, tag: str, parametres: str, description: str) -> str:
    tag, parametres = etiquetage.validate_rule(tag, parametres)
    tag_regles.add(conn, tag, parametres, description.strip()[:300] or None, me.user, me.region)
    return tag


def _edit(
    conn: Connection, me: Identity, regle_id: int, tag: str, parametres: str, description: str
) -> tuple[str, str]:
    tag, parametres = etiquetage.validate_rule(tag, parametres)
    changed = tag_regles.update(
        conn, regle_id, tag, parametres, description.strip()[:300] or None, me.user, me.region
    )
    return ("modifiee" if changed else "inchangee"), tag


async def _save(
    request: Request, me: Identity, db: Db, regle_id: int | None, action: str, saisie: dict[str, str]
):
    try:
        if action == "apercu":
            apercu = await db.read(_preview, saisie["tag"], saisie["parametres"])
            return await _page(request, db, saisie=saisie, cible=regle_id, apercu=apercu)
        if regle_id is None:
            return _back("ajoutee", await db.write(_add, me, *saisie.values()))
        return _back(*await db.write(_edit, me, regle_id, *saisie.values()))
    except RegleError as exc:
        return await _page(request, db, 400, erreur=str(exc), saisie=saisie, cible=regle_id)
    except LookupError:
        return await _page(request, db, 404, erreur=INTROUVABLE)


@router.post(f"{PAGE}/reappliquer", response_class=HTMLResponse)
async def reappliquer(request: Request, jeton_valide: csrf.Checked, me: Admin, db: Db):
    if not jeton_valide:
        return await _page(request, db, 403, erreur=csrf.REFUS)

    def run(conn: Connection) -> tuple[int, float]:
        start = time.perf_counter()
        tagged = etiquetage.reapply(conn)
        seconds = time.perf_counter() - start
        tag_regles.record_reapply(conn, me.user, me.region, tagged, seconds)
        return tagged, seconds

    tagged, seconds = await db.write_data(run)
    query = urlencode({"ok": "reappliquees", "lignes": tagged, "secondes": f"{seconds:.1f}"})
    return RedirectResponse(f"{PAGE}?{query}", status_code=303)


@router.post(PAGE, response_class=HTMLResponse)
async def ajouter(
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    tag: Champ = "",
    parametres: Champ = "",
    description: Champ = "",
    action: Champ = "",
):
    saisie = {"tag": tag, "parametres": parametres, "description": description}
    if not jeton_valide:
        return await _page(request, db, 403, erreur=csrf.REFUS, saisie=saisie)
    return await _save(request, me, db, None, action, saisie)


@router.post(PAGE + "/{regle_id}", response_class=HTMLResponse)
async def modifier(
    regle_id: RegleId,
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    tag: Champ = "",
    parametres: Champ = "",
    description: Champ = "",
    action: Champ = "",
):
    saisie = {"tag": tag, "parametres": parametres, "description": description}
    if not jeton_valide:
        return await _page(request, db, 403, erreur=csrf.REFUS, saisie=saisie, cible=regle_id)
    return await _save(request, me, db, regle_id, action, saisie)


@router.post(PAGE + "/{regle_id}/actif", response_class=HTMLResponse)
async def activer(
    regle_id: RegleId, request: Request, jeton_valide: csrf.Checked, me: Admin, db: Db, actif: Champ = ""
) -> Response:
    if not jeton_valide:
        return await _page(request, db, 403, erreur=csrf.REFUS)
    if actif not in ("0", "1"):
        return await _page(request, db, 400, erreur="Demande incomprise : activer ou désactiver ?")

    def switch(conn: Connection) -> str:
        rule = tag_regles.by_id(conn, regle_id)
        if rule is None:
            raise LookupError(INTROUVABLE)
        tag_regles.set_active(conn, regle_id, actif == "1", me.user, me.region)
        return rule.tag

    try:
        tag = await db.write(switch)
    except LookupError:
        return await _page(request, db, 404, erreur=INTROUVABLE)
    return _back("activee" if actif == "1" else "desactivee", tag)


@router.post(PAGE + "/{regle_id}/suppression", response_class=HTMLResponse)
async def supprimer(
    regle_id: RegleId, request: Request, jeton_valide: csrf.Checked, me: Admin, db: Db
) -> Response:
    if not jeton_valide:
        return await _page(request, db, 403, erreur=csrf.REFUS)
    try:
        removed = await db.write(lambda conn: tag_regles.delete(conn, regle_id, me.user, me.region))
    except LookupError:
        return await _page(request, db, 404, erreur=INTROUVABLE)
    return _back("supprimee", removed.tag)
