"""Jinja2 environment of the pages: French formats (amounts, dates, numbers) and "Non renseigné"."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from fastapi.templating import Jinja2Templates

NARROW_NBSP = "\u202f"
NON_RENSEIGNE = "Non renseigné"


def euros(value: float | Decimal | None) -> str:
    """1234567.8 → "1 234 567,80 €" (fr-FR: narrow no-break space, decimal comma)."""
    if value is None:
        return NON_RENSEIGNE
    text = f"{float(value):,.2f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{text}{NARROW_NBSP}€"


def nombre(value: int | float | None) -> str:
    if value is None:
        return NON_RENSEIGNE
    return f"{value:,}".replace(",", NARROW_NBSP)


def date_fr(value: str | date | datetime | None) -> str:
    """ISO date or date → dd/mm/yyyy."""
    if not value:
        return NON_RENSEIGNE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def valeur(value) -> str:
    """Any cell of the table: empty → "Non renseigné"."""
    return NON_RENSEIGNE if value is None or value == "" else str(value)


templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.filters.update(euros=euros, nombre=nombre, date_fr=date_fr, valeur=valeur)
templates.env.globals["NON_RENSEIGNE"] = NON_RENSEIGNE


def _globals() -> dict:
    from dataetat.exports import FORMATS
    from dataetat.jobs.exports import DIRECT_MAX_LINES
    from dataetat.query.columns import COLONNES

    return {
        "libelles_colonnes": {c.code: c.label for c in COLONNES},
        "formats": [(f.code, f.code.upper()) for f in FORMATS.values()],
        "direct_max": DIRECT_MAX_LINES,
    }


templates.env.globals.update(_globals())
