"""« Journal d'audit » (ADMIN only: `deps.Admin`): logins, imports, exports, referential loads and account
changes, newest first, filtered by period, who, action and result, 50 per page; the same filters
give the CSV (`/admin/audit.csv`: `;`, UTF-8 with BOM, formulas neutralised)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from dataetat.exports import write_csv
from dataetat.model.format_fr import euros, nombre
from dataetat.query.params import is_integer
from dataetat.store import audit
from dataetat.web.deps import Admin, Db
from dataetat.web.pages.templating import templates

router = APIRouter(include_in_schema=False)
PAR_PAGE = 50
CSV_PAGE = 5_000


@dataclass
class Demande:
    """The filters as typed in the address (kept as text to fill the form back), checked."""

    du: str = ""
    au: str = ""
    qui: str = ""
    action: str = ""
    resultat: str = ""
    page: int = 1
    erreurs: list[str] = field(default_factory=list)
    filtres: audit.Filtres = field(default_factory=audit.Filtres)

    @classmethod
    def of(cls, request: Request) -> Demande:
        q = request.query_params
        d = cls(**{k: (q.get(k) or "").strip() for k in ("du", "au", "qui", "action", "resultat")})
        dates = {k: _date(getattr(d, k), label, d.erreurs) for k, label in (("du", "Du"), ("au", "Au"))}
        if d.action and d.action not in audit.ACTIONS:
            d.erreurs.append(f"Action « {d.action} » inconnue.")
        if d.resultat and d.resultat not in audit.RESULTATS:
            d.erreurs.append(f"Résultat « {d.resultat} » inconnu.")
        if dates["du"] and dates["au"] and dates["du"] > dates["au"]:
            d.erreurs.append("La date de début est après la date de fin.")
        page = q.get("page") or "1"
        d.page = int(page) if is_integer(page) and 0 < int(page) < 1_000_000 else 1
        d.filtres = audit.Filtres(
            du=dates["du"],
            au=dates["au"],
            qui=d.qui or None,
            action=d.action if d.action in audit.ACTIONS else None,
            resultat=d.resultat if d.resultat in audit.RESULTATS else None,
        )
        return d

    def url(self, path: str = "/admin/audit", **changes: Any) -> str:
        values = {k: getattr(self, k) for k in ("du", "au", "qui", "action", "resultat")} | changes
        query = urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})
        return f"{path}?{query}" if query else path


def _date(text: str, label: str, erreurs: list[str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        erreurs.append(f"{label} : « {text} » n'est pas une date (AAAA-MM-JJ).")
        return None
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):
        erreurs.append(f"{label} : « {text} » est hors des dates possibles (1900 à 2999).")
        return None
    return day


def resume(ev: audit.Evenement) -> str:
    """One French sentence of the details of an event."""
    d = ev.details
    if ev.action == "import":
        fichiers = ", ".join(
            f"{f['nom']} (sha256 {str(f.get('sha256') or '?')[:12]}…)" for f in d.get("fichiers", [])
        )
        text = f"{fichiers} : {nombre(d.get('lignes'))} lignes, Σ AE {euros(d.get('somme_ae'))}, Σ CP {euros(d.get('somme_cp'))}"
        return text + (f" — {d['erreur']}" if d.get("erreur") else "")
    if ev.action == "export":
        quoi = {"lignes": "lignes", "groupes": "groupes", "tableau": "tableau dynamique"}.get(
            d.get("quoi"), ""
        )
        text = f"{str(d.get('format', '')).upper()} ({quoi}), {nombre(d.get('lignes'))} lignes"
        text += f", recherche : {d['recherche']}" if d.get("recherche") else ", toutes les lignes"
        return (
            text + (" (tâche)" if d.get("tache") else "") + (f" — {d['erreur']}" if d.get("erreur") else "")
        )
    if ev.action == "referentiel":
        tables = ", ".join(f"{t} : {nombre(n)} lignes" for t, n in (d.get("tables") or {}).items())
        return (
            f"{d.get('type', '')} depuis {d.get('fichier', '')}"
            + (f" ({tables})" if tables else "")
            + (f" — {d['motif']}" if d.get("motif") else "")
        )
    if ev.action.startswith("compte-"):
        text = f"compte {d.get('compte', '')}"
        if ev.action == "compte-cree":
            text += f", rôle {d.get('role', '')}, région {d.get('region_du_compte') or 'nationale'}"
        for name, (avant, apres) in (d.get("changements") or {}).items():
            text += (
                f", {name} : {avant if avant is not None else '—'} → {apres if apres is not None else '—'}"
            )
        return text
    return "; ".join(f"{k} : {v}" for k, v in d.items())


def ligne(ev: audit.Evenement) -> dict[str, Any]:
    return {
        "id": ev.id,
        "quand": ev.quand.strftime("%d/%m/%Y %H:%M:%S"),
        "quand_iso": ev.quand.isoformat(),
        "qui": ev.qui,
        "action": ev.action_libelle,
        "region": ev.region or "Nationale",
        "resultat": ev.resultat_libelle,
        "badge": {"ok": "success", "refuse": "warning", "echec": "error"}.get(ev.resultat, "info"),
        "resume": resume(ev),
    }


@router.get("/admin/audit", response_class=HTMLResponse)
async def page(request: Request, me: Admin, db: Db):
    d = Demande.of(request)
    events = await db.read(audit.search, d.filtres, PAR_PAGE + 1, (d.page - 1) * PAR_PAGE)
    total = await db.read(audit.count, d.filtres)
    context = {
        "page_active": "/admin/audit",
        "d": d,
        "evenements": [ligne(ev) for ev in events[:PAR_PAGE]],
        "suivante": d.url(page=d.page + 1) if len(events) > PAR_PAGE else None,
        "precedente": d.url(page=d.page - 1) if d.page > 1 else None,
        "total": total,
        "actions": audit.ACTIONS,
        "resultats": audit.RESULTATS,
        "csv": d.url("/admin/audit.csv"),
    }
    return templates.TemplateResponse(
        request, "admin_audit.html", context, status_code=400 if d.erreurs else 200
    )


COLONNES = [
    "Date et heure",
    "Qui",
    "Action",
    "Code action",
    "Région",
    "Résultat",
    "Détails",
    "Détails (JSON)",
]


@router.get("/admin/audit.csv")
async def page_csv(request: Request, me: Admin, db: Db):
    d = Demande.of(request)
    if d.erreurs:
        raise HTTPException(400, " ".join(d.erreurs))
    engine = db.engine

    def frames():
        offset = 0
        while True:
            with engine.connect() as conn:
                events = audit.search(conn, d.filtres, CSV_PAGE, offset)
            if events:
                yield pl.DataFrame(
                    [
                        [
                            ev.quand.isoformat(sep=" "),
                            ev.qui,
                            ev.action_libelle,
                            ev.action,
                            ev.region or "",
                            ev.resultat_libelle,
                            resume(ev),
                            json.dumps(ev.details, ensure_ascii=False),
                        ]
                        for ev in events
                    ],
                    schema=[(f"c{i}", pl.String) for i in range(len(COLONNES))],
                    orient="row",
                )
            if len(events) < CSV_PAGE:
                return
            offset += CSV_PAGE

    return StreamingResponse(
        write_csv(COLONNES, frames()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )
