"""Reading a page URL into a search (web/formulaire.py): each parameter checked, every refusal a French
message, then the search made consistent (zone level and zone, exercices within the window, grouping,
sort, view)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from dataetat.model.enums import DataSource, NiveauGeo, Source
from dataetat.query.columns import BY_CODE
from dataetat.query.params import CRITERES_GEO, DISPOSITIFS, MAX_VALUES, is_integer
from dataetat.web.formulaire_choix import (
    ALIASES,
    GROUPER_PAR,
    MAX_GROUPING,
    TYPES_BENEFICIAIRES,
    VUES,
    YEAR_WINDOW,
)

if TYPE_CHECKING:
    from dataetat.web.formulaire import Recherche


def read_query(r: Recherche, query: Mapping[str, Sequence[str]]) -> list[str]:
    """Read the page URL into `r` (a new search); returns the French messages of what was refused."""
    errors: list[str] = []
    known = {f.name for f in dataclasses.fields(r)}
    for name, raw_values in query.items():
        name = ALIASES.get(name, name)
        separator = "|" if name == "theme" else ","
        values = [v.strip() for raw in raw_values for v in raw.split(separator) if v.strip()]
        if len(values) > MAX_VALUES:
            errors.append(f"{name} : {len(values)} valeurs, {MAX_VALUES} au plus : le paramètre est ignoré.")
            continue
        if name in ("annee", "annees") and values:  # the API's list of years, the form's exercices
            if not all(is_integer(v) and len(v) <= 4 for v in values):
                errors.append(f"{name} : « {','.join(values)} » n'est pas une liste d'années.")
            else:
                r.annees = sorted({int(v) for v in values})
            continue
        if name not in known:
            errors.append(f"Le paramètre « {name} » n'existe pas : il est ignoré.")
            continue
        current = getattr(r, name)
        if isinstance(current, list):
            setattr(r, name, list(dict.fromkeys(values)))
        elif name in ("annee_min", "annee_max", "page"):
            if values and not (is_integer(values[0]) and len(values[0]) <= (4 if name != "page" else 9)):
                errors.append(f"{name} : « {values[0]} » n'est pas un nombre.")
            elif values:
                setattr(r, name, int(values[0]))
        elif name == "plein_ecran":
            r.plein_ecran = bool(values) and values[0].lower() in ("true", "1", "oui")
        elif values:
            setattr(r, name, values[0])
    _normalise(r, errors)
    return errors


def _normalise(r: Recherche, errors: list[str]) -> None:
    r.niveau_geo = r.niveau_geo.lower()
    if r.niveau_geo and r.niveau_geo not in {n.value for n in NiveauGeo}:
        errors.append(
            f"niveau_geo « {r.niveau_geo} » : valeurs possibles "
            + ", ".join(n.value for n in NiveauGeo)
            + "."
        )
        r.niveau_geo, r.code_geo = "", []
    if r.code_geo and not r.niveau_geo:
        errors.append("Vous devez utiliser niveau_geo et code_geo ensemble.")
        r.code_geo = []
    for name, enum in (("source", Source), ("data_source", DataSource)):
        value = getattr(r, name)
        if value and value.upper() not in {e.value for e in enum}:
            errors.append(
                f"{name} « {value} » inconnu : valeurs possibles {', '.join(e.value for e in enum)}."
            )
            setattr(r, name, "")
    _critere_geo(r, errors)
    # A level chosen without a place is no filter (the level only drives the look-up): say so.
    if r.niveau_geo and not r.code_geo:
        errors.append(
            f"Niveau géographique « {r.niveau_geo} » sans zone (code_geo) : choisissez une zone, "
            "sinon la recherche porte sur tout le territoire."
        )
    r.cper = r.cper.lower()
    if r.cper not in ("", "oui", "non"):
        errors.append(f"cper « {r.cper} » : valeurs possibles oui ou non.")
        r.cper = ""
    dispositifs = [d.lower() for d in r.dispositif]
    for d in dispositifs:
        if d not in DISPOSITIFS:
            errors.append(f"dispositif « {d} » inconnu : valeurs possibles {', '.join(DISPOSITIFS)}.")
    r.dispositif = [d for d in dict.fromkeys(dispositifs) if d in DISPOSITIFS]
    _years(r, errors)
    types = []
    for t in r.types_beneficiaires:
        if t.lower() in TYPES_BENEFICIAIRES:
            types.append(TYPES_BENEFICIAIRES[t.lower()])
        elif t in TYPES_BENEFICIAIRES.values():
            types.append(t)
        else:
            errors.append(
                f"« {t} » n'est pas un type de bénéficiaire (entreprise, association, etat, collectivite, autres)."
            )
    r.types_beneficiaires = list(dict.fromkeys(types))
    grouping = []
    for g in r.grouper_par:
        column = GROUPER_PAR.get(g, g)
        if column in BY_CODE and BY_CODE[column].groupable:
            grouping.append(column)
        else:
            errors.append(f"« {g} » n'est pas un membre de : {', '.join(GROUPER_PAR)}.")
    r.grouper_par = list(dict.fromkeys(grouping))[:MAX_GROUPING]
    r.grouped = r.grouped[: len(r.grouper_par)]
    r.colonnes = [c for c in r.colonnes if c in BY_CODE]
    if r.tri and (r.tri not in BY_CODE or not BY_CODE[r.tri].sortable):
        errors.append(f"On ne peut pas trier par « {r.tri} ».")
        r.tri = ""
    r.ordre = r.ordre if r.ordre in ("asc", "desc") else ("asc" if r.tri else "")
    if r.vue not in VUES:
        r.vue = "groupes" if r.grouper_par else "lignes"  # unknown or not given
    if r.vue == "groupes" and not r.grouper_par:
        r.vue = "lignes"
    r.page = max(1, r.page)


def _critere_geo(r: Recherche, errors: list[str]) -> None:
    criteres = []
    for value in (v.lower() for v in r.critere_geo):
        if value in CRITERES_GEO:
            criteres.append(value)
        else:
            errors.append(f"critere_geo « {value} » inconnu : valeurs possibles {', '.join(CRITERES_GEO)}.")
    criteres = [c for c in CRITERES_GEO if c in criteres]  # the form's order
    if criteres == ["centre_couts"] and r.niveau_geo not in ("", "region", "departement"):
        errors.append(
            "critere_geo : le centre de coûts ne situe une ligne que dans une région ou un département ; "
            "les trois critères sont appliqués."
        )
        criteres = []
    r.critere_geo = [] if len(criteres) == len(CRITERES_GEO) else criteres


def _years(r: Recherche, errors: list[str]) -> None:
    this_year = date.today().year
    if r.annees:
        if any(y > this_year for y in r.annees):
            errors.append(f"annees ne peut pas dépasser l'année en cours ({this_year}).")
        years = [y for y in r.annees if y <= this_year]
        if r.annee_min is not None or r.annee_max is not None:  # both: the years of the range
            lo, hi = sorted((r.annee_min or r.annee_max, r.annee_max or r.annee_min))
            years = [y for y in years if lo <= y <= hi]
        if len(years) > YEAR_WINDOW:
            errors.append(f"Une recherche couvre {YEAR_WINDOW} ans au plus : les {YEAR_WINDOW} derniers.")
            years = years[-YEAR_WINDOW:]
        r.annee_min = r.annee_max = None
        r.annees = []
        if years and years == list(range(years[0], years[-1] + 1)):
            r.annee_min, r.annee_max = years[0], years[-1]  # a range: the reference's names
        elif years:
            r.annees = years
        return
    lo, hi = r.annee_min, r.annee_max
    if (lo is None) != (hi is None):
        lo = hi = lo if lo is not None else hi  # one bound given: that year alone
    if lo is None or hi is None:
        return
    if lo > hi:
        lo, hi = hi, lo
    if hi > this_year:
        errors.append(f"annee_max ne peut pas dépasser l'année en cours ({this_year}).")
        hi = this_year
    if hi - lo + 1 > YEAR_WINDOW:
        errors.append(f"Une recherche couvre {YEAR_WINDOW} ans au plus : à partir de {hi - YEAR_WINDOW + 1}.")
        lo = hi - YEAR_WINDOW + 1
    r.annee_min, r.annee_max = lo, hi
