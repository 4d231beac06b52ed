"""What the two "fiche" pages (beneficiary, territory) share: the year filter of their URL, the API
query of their exports and map, and the data of their charts (read by static/app/fiches.js)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dataetat.query.fiches import Fiche, Part
from dataetat.query.params import MAX_VALUES, QueryError, is_integer


def annees(raw: list[str]) -> tuple[list[int], list[str]]:
    """`?annee=2023,2024` or repeated `annee=` → the sorted years, and the French messages of what
    was ignored."""
    years, errors = set(), []
    if sum(len(r.split(",")) for r in raw) > MAX_VALUES:
        raise QueryError(f"annee : {MAX_VALUES} valeurs au plus.")
    for value in (v.strip() for r in raw for v in r.split(",")):
        if not value:
            continue
        if is_integer(value) and 1900 <= int(value) <= 2100:
            years.add(int(value))
        else:
            errors.append(f"annee : « {value} » n'est pas une année, elle est ignorée.")
    return sorted(years), errors


def api_query(**filters: Any) -> str:
    """A search of the API contract (/api/v1/lignes, exports, carte) as a query string."""
    items = []
    for name, value in filters.items():
        if value in (None, "", []):
            continue
        items.append((name, ",".join(map(str, value)) if isinstance(value, list) else str(value)))
    return urlencode(items)


def search_page_years(years: list[int]) -> dict[str, int]:
    """The search page filters years by a range: the range of the chosen years."""
    return {"annee_min": years[0], "annee_max": years[-1]} if years else {}


def _series(parts: list[Part]) -> list[dict[str, Any]]:
    return [{"label": str(p.label), "ae": p.montant_ae, "cp": p.montant_cp} for p in parts]


def graphiques(f: Fiche) -> dict[str, Any]:
    """The charts' data: AE/CP by year (columns) and by thème (bars)."""
    return {
        "annees": [
            {
                "label": str(p.code) if p.code is not None else "Non renseignée",
                "ae": p.montant_ae,
                "cp": p.montant_cp,
            }
            for p in f.par_annee
        ],
        "themes": _series(f.par_theme[:10]),
        "sources": _series(f.par_source),
    }


def part_pourcent(part: Part, total: float) -> str:
    if not total:
        return "—"
    return f"{100 * part.montant_ae / total:.1f}".replace(".", ",") + "\u202f%"
