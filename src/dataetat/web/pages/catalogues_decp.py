"""The register of DECP catalogues (ADMIN: `/admin/catalogues`, add one, harvest now, each
producer's last harvest, conformity rate and errors; `/admin/catalogues/{id}`: its history and
distributions) and the national coverage view (`/commande-publique/couverture`, any account: who
publishes, how much, where the gaps are, on a map by département)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.engine import Connection

from dataetat.query import lookups
from dataetat.store import moisson as store
from dataetat.web import carte_svg, csrf
from dataetat.web.deps import Admin, CurrentIdentity, Db
from dataetat.web.errors import NotFound
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
Champ = Annotated[str, Form(max_length=400)]
NIVEAUX = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "national": "National",
}


def _taux(row: dict) -> float | None:
    return row["valides"] / row["enregistrements"] if row.get("enregistrements") else None


def zone_names(conn: Connection, pairs) -> dict[str, str]:
    """`niveau:code` → the zone's name (« Ille-et-Vilaine »), from the referentials; a code they do
    not know has no entry (the page shows the code alone)."""
    by_level: dict[str, set[str]] = {}
    for niveau, code in pairs:
        if niveau in lookups.ZONES and code:
            by_level.setdefault(niveau, set()).add(code)
    names = {}
    for niveau, codes in by_level.items():
        for item in lookups.chosen(conn, f"zones/{niveau}", sorted(codes)):
            if item["label"] != item["code"]:
                names[f"{niveau}:{item['code']}"] = item["label"].split(" - ", 1)[-1]
    return names


def _page(request: Request, template: str, status: int = 200, **context: Any):
    token = csrf.token(request)
    context |= {"csrf": token, "csrf_champ": csrf.FIELD, "niveaux": NIVEAUX}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    return csrf.with_cookie(response, request, token)


@router.get("/admin/catalogues", response_class=HTMLResponse)
async def registre(request: Request, me: Admin, db: Db):
    return await _registre(request, db)


async def _registre(request: Request, db: Db, status: int = 200, **context: Any):
    rows = await db.read(store.catalogues)
    for r in rows:
        r["taux"] = _taux(r)
    noms = await db.read(zone_names, [(r["zone_niveau"], r["zone_code"]) for r in rows])
    message = {
        "ajoute": "Catalogue inscrit.",
        "moisson": "Moisson demandée : elle s'exécute en tâche de fond.",
    }.get(request.query_params.get("ok", ""))
    return _page(
        request,
        "admin_catalogues.html",
        status,
        catalogues=rows,
        noms_zones=noms,
        message=message,
        page_active="/admin/catalogues",
        **context,
    )


@router.post("/admin/catalogues", response_class=HTMLResponse)
async def ajouter(
    request: Request,
    jeton_valide: csrf.Checked,
    me: Admin,
    db: Db,
    url: Champ = "",
    contact: Champ = "",
    zone_code: Champ = "",
    zone_niveau: Champ = "",
    producteur_siret: Champ = "",
    producteur_nom: Champ = "",
):
    saisie = {"url": url, "contact": contact, "zone_code": zone_code, "zone_niveau": zone_niveau,
              "producteur_siret": producteur_siret, "producteur_nom": producteur_nom}  # fmt: skip
    if not jeton_valide:
        return await _registre(request, db, 403, erreur=csrf.REFUS, saisie=saisie)
    url = url.strip()
    erreur = None
    if not url.startswith(("http://", "https://")):
        erreur = "Adresse du catalogue invalide : elle commence par http:// ou https://."
    elif zone_niveau and zone_niveau not in NIVEAUX:
        erreur = "Niveau de zone inconnu."
    elif producteur_siret and not (producteur_siret.isdigit() and len(producteur_siret) == 14):
        erreur = "SIRET du producteur invalide : 14 chiffres."
    if erreur:
        return await _registre(request, db, 400, erreur=erreur, saisie=saisie)
    champs = {k: v.strip() for k, v in saisie.items() if k != "url"}
    try:
        await db.write(lambda conn: store.ajouter_catalogue(conn, url, now=datetime.now(), **champs))
    except store.CatalogueDejaInscrit as exc:
        return await _registre(request, db, 409, erreur=str(exc), saisie=saisie)
    return RedirectResponse("/admin/catalogues?ok=ajoute", status_code=303)


@router.post("/admin/catalogues/{catalogue_id}/moisson")
async def moissonner(request: Request, catalogue_id: int, jeton_valide: csrf.Checked, me: Admin, db: Db):
    from dataetat.jobs import moisson

    if not jeton_valide:
        return await _registre(request, db, 403, erreur=csrf.REFUS)
    cat = await db.read(store.catalogue, catalogue_id)
    if cat is None:
        raise NotFound("catalogue-inconnu", "Catalogue inconnu.")
    await db.write(moisson.submit, me.user, cat["url"])
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
    return RedirectResponse("/admin/catalogues?ok=moisson", status_code=303)


@router.get("/admin/catalogues/{catalogue_id}", response_class=HTMLResponse)
async def detail(request: Request, catalogue_id: int, me: Admin, db: Db):
    cat = await db.read(store.catalogue, catalogue_id)
    if cat is None:
        raise NotFound("catalogue-inconnu", "Catalogue inconnu.")
    history = await db.read(store.historique, catalogue_id)
    for h in history:
        h["taux"] = _taux(h)
    last = next((h for h in history if h["fin"] is not None), None)
    dists = await db.read(store.distributions, last["id"]) if last else []
    return _page(
        request,
        "admin_catalogue.html",
        catalogue=cat,
        historique=history,
        distributions=dists,
        page_active="/admin/catalogues",
    )


@router.get("/commande-publique/couverture", response_class=HTMLResponse)
async def couverture(request: Request, me: CurrentIdentity, db: Db):
    zones = await db.read(store.couverture)
    deps = await db.read(store.couverture_departements)
    carte = []
    for code, nom, path in carte_svg.departements():
        z = deps.get(code)
        classe = "absent" if z is None else "moissonne" if z["moissonnes"] else "inscrit"
        carte.append({"code": code, "nom": nom, "d": path, "classe": classe, "zone": z})
    lignes = [c for c in carte if c["zone"]]
    totaux = {
        "catalogues": sum(z["catalogues"] for z in zones),
        "moissonnes": sum(z["moissonnes"] for z in zones),
        "enregistrements": sum(z["enregistrements"] for z in zones),
        "valides": sum(z["valides"] for z in zones),
    }
    return _page(
        request,
        "couverture_decp.html",
        carte=carte,
        hauteur=carte_svg.hauteur(),
        largeur=carte_svg.LARGEUR,
        departements=lignes,
        manquants=[c for c in carte if not c["zone"]],
        zones=zones,
        noms_zones=await db.read(zone_names, [(z["niveau"], z["code"]) for z in zones]),
        totaux=totaux,
        taux=_taux(totaux),
        page_active="/commande-publique/couverture",
    )
