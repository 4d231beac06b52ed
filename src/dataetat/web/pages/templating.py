"""Jinja2 environment of the pages: French formats (amounts, numbers and shares from
model/format_fr.py; dates) and "Non renseigné"."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from dataetat.model.format_fr import NON_RENSEIGNE, euros, nombre, pourcent
from dataetat.model.tags import with_labels


def date_fr(value: str | date | datetime | None) -> str:
    """ISO date or date → dd/mm/yyyy."""
    if not value:
        return NON_RENSEIGNE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def etiquettes(stored: str | list | None) -> list[dict[str, str]]:
    """A line's tags as stored (space-separated codes) or already labelled → [{"code", "label"}]."""
    if isinstance(stored, list):
        return stored
    return with_labels(stored)


_ETAT = re.compile(r"\bEtat\b")


def valeur(value) -> str:
    """Any cell of the table: empty → "Non renseigné"; « Etat » (the spelling of the stored
    beneficiary type and of some referential labels) is written « État »."""
    if value is None or value == "":
        return NON_RENSEIGNE
    return _ETAT.sub("État", str(value))


def chemin(path: str | None) -> Markup:
    """A field path (`titulaires[0].titulaire.typeIdentifiant`) that may wrap after each « . » and
    before each « [ », never inside a name."""
    text = str(escape(path or ""))
    return Markup(text.replace(".", ".<wbr>").replace("[", "<wbr>["))


templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.filters.update(
    euros=euros,
    nombre=nombre,
    date_fr=date_fr,
    valeur=valeur,
    pourcent=pourcent,
    etiquettes=etiquettes,
    chemin=chemin,
)
templates.env.globals["NON_RENSEIGNE"] = NON_RENSEIGNE


def _globals() -> dict:
    from dataetat.exports import FORMATS
    from dataetat.jobs.exports import DIRECT_MAX_LINES
    from dataetat.query.columns import COLONNES
    from dataetat.query.fiches import SOURCES

    return {
        "libelles_colonnes": {c.code: c.label for c in COLONNES},
        "libelles_sources": SOURCES,
        "formats": [(f.code, f.code.upper()) for f in FORMATS.values()],
        "direct_max": DIRECT_MAX_LINES,
    }


templates.env.globals.update(_globals())
