"""The name of a downloaded file: the application, the date, then the main filters of the search,
plain ASCII (safe in a Content-Disposition header and on every file system):

    data-etat_2026-12-04_departement-35_programme-101_annee-2023.xlsx
    data-etat_2026-12-04.csv                      (no filter)
    data-etat_2026-12-04_annee-2023_groupes.ods   (the groups of a level; `_tableau` for a pivot)
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from dataetat.query.params import SearchParams

PREFIX = "data-etat"
MAX_SLUG = 90  # characters of filters at most: a name stays readable in a download bar
MAX_VALUES = 3  # values of one filter named; beyond, the first ones then « etc »


def slug(text: str) -> str:
    """« Département Île-de-France » → « departement-ile-de-france »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _values(values: list) -> str:
    shown = [str(v) for v in values[:MAX_VALUES]]
    return "-".join(shown + (["etc"] if len(values) > MAX_VALUES else []))


def _years(years: list[int]) -> str:
    years = sorted(set(years))
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-a-{years[-1]}"
    return _values(years)


def _parts(params: SearchParams) -> list[str]:
    """The filters of the search, most telling first: zone, programme, année, then the others."""
    named = [
        ("programme", params.code_programme),
        ("siret", params.beneficiaire_code),
        ("type", params.beneficiaire_categorieJuridique_type),
        ("domaine", params.domaine_fonctionnel),
        ("ref-programmation", params.referentiel_programmation),
        ("centre-couts", params.centres_couts),
        ("ej", params.n_ej),
        ("theme", params.theme),
        ("tags", params.tags),
        ("dispositif", params.dispositif),
        ("import", params.source_region),
    ]
    parts = []
    if params.niveau_geo and params.code_geo:
        parts.append(f"{params.niveau_geo}-{_values(params.code_geo)}")
    parts += [f"{name}-{_values(values)}" for name, values in named[:1] if values]
    if params.annee:
        parts.append(f"annee-{_years(params.annee)}")
    parts += [f"{name}-{_values(values)}" for name, values in named[1:] if values]
    if params.source:
        parts.append(params.source.rsplit("_", 1)[-1])  # FINANCIAL_DATA_AE → ae
    if params.data_source:
        parts.append(f"chorus-{params.data_source}")
    return [s for s in map(slug, parts) if s]


def file_name(
    params: SearchParams, extension: str, quoi: str | None = None, today: date | None = None
) -> str:
    """The name of the export of a search (`quoi`: « groupes », « tableau » for the summary views)."""
    name = f"{PREFIX}_{(today or date.today()).isoformat()}"
    length = 0
    for part in _parts(params):
        if length + len(part) + 1 > MAX_SLUG:
            continue  # too long for what is left: the next, shorter filters may still be named
        name += f"_{part}"
        length += len(part) + 1
    if quoi:
        name += f"_{slug(quoi)}"
    return f"{name}.{extension}"
