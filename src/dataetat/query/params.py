"""Search parameters, named as the reference's API so that existing links and clients keep working."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from dataetat.model.enums import DataSource, NiveauGeo, Source

DISPOSITIFS = {"pvd": "Petites villes de demain", "acv": "Action cœur de ville"}
# What may place a line in a zone (niveau_geo + code_geo): query/filters.py `geo_criteria`.
CRITERES_GEO = ("beneficiaire", "localisation", "centre_couts")
MAX_VALUES = 200  # values of one list parameter (4,000 tags cost 15 s of database time: issue 15.13)
PAGE_SIZE_MAX = 100_000


def is_integer(text: str) -> bool:
    """ASCII digits only (`str.isdigit()` also accepts « ² », which `int()` refuses)."""
    return text.isascii() and text.isdigit()


def check_list_length(name: str, values: list) -> None:
    if len(values) > MAX_VALUES:
        raise QueryError(
            f"{name} : {len(values)} valeurs, {MAX_VALUES} au plus par paramètre ; "
            "découpez la recherche ou regroupez par un autre critère."
        )


class QueryError(ValueError):
    """A search parameter that cannot be applied; the message says which and why, in French."""


@dataclass
class SearchParams:
    code_programme: list[str] = field(default_factory=list)
    niveau_geo: str | None = None
    code_geo: list[str] = field(default_factory=list)
    critere_geo: list[str] = field(default_factory=list)  # of CRITERES_GEO; empty: all three
    annee: list[int] = field(default_factory=list)
    beneficiaire_code: list[str] = field(default_factory=list)
    beneficiaire_categorieJuridique_type: list[str] = field(default_factory=list)  # noqa: N815 - reference name
    tags: list[str] = field(default_factory=list)
    domaine_fonctionnel: list[str] = field(default_factory=list)
    referentiel_programmation: list[str] = field(default_factory=list)
    centres_couts: list[str] = field(default_factory=list)
    n_ej: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    source: str | None = None
    data_source: str | None = None
    source_region: list[str] = field(default_factory=list)
    objet: list[str] = field(default_factory=list)  # the line's objet starts with one of them
    referentiel_programmation_libelle: list[str] = field(default_factory=list)  # label contains one of them
    cper: str | None = None  # oui | non: the line has (not) a contrat de plan État-région code
    dispositif: list[str] = field(default_factory=list)  # pvd | acv: commune of a territorial programme
    grouping: list[str] = field(default_factory=list)
    grouped: list[str] = field(default_factory=list)
    sort_by: str | None = None
    sort_order: str | None = None
    page: int = 1
    page_size: int = 100
    colonnes: list[str] = field(default_factory=list)

    def check(self) -> SearchParams:
        from dataetat.query.columns import BY_CODE
        from dataetat.store.schema import ligne

        for name, enum in (("source", Source), ("data_source", DataSource)):
            value = getattr(self, name)
            if value is not None:
                if value.upper() not in {e.value for e in enum}:
                    raise QueryError(
                        f"{name} « {value} » inconnu : valeurs possibles {', '.join(e.value for e in enum)}."
                    )
                setattr(self, name, value.upper())
        if self.cper is not None:
            if self.cper.lower() not in ("oui", "non"):
                raise QueryError(f"cper « {self.cper} » : valeurs possibles oui ou non.")
            self.cper = self.cper.lower()
        self.dispositif = [d.lower() for d in self.dispositif]
        for value in self.dispositif:
            if value not in DISPOSITIFS:
                raise QueryError(
                    f"dispositif « {value} » inconnu : valeurs possibles {', '.join(DISPOSITIFS)}."
                )
        if (self.niveau_geo is None) != (not self.code_geo):
            raise QueryError("niveau_geo et code_geo vont ensemble : précisez les deux ou aucun.")
        if self.niveau_geo is not None and self.niveau_geo.lower() not in {n.value for n in NiveauGeo}:
            raise QueryError(
                f"niveau_geo « {self.niveau_geo} » inconnu : valeurs possibles "
                + ", ".join(n.value for n in NiveauGeo)
                + "."
            )
        self._check_critere_geo()
        if (self.sort_by is None) != (self.sort_order is None):
            raise QueryError("sort_by et sort_order vont ensemble : précisez les deux ou aucun.")
        if self.sort_order is not None and self.sort_order not in ("asc", "desc"):
            raise QueryError(f"sort_order « {self.sort_order} » : valeurs possibles asc ou desc.")
        for param, names in (
            ("colonnes", self.colonnes),
            ("sort_by", [self.sort_by] if self.sort_by else []),
        ):
            for name in names:
                if name not in BY_CODE:
                    raise QueryError(f"Colonne « {name} » inconnue ({param}) : voir la liste des colonnes.")
        if self.sort_by is not None and not BY_CODE[self.sort_by].sortable:
            raise QueryError(f"On ne peut pas trier par « {self.sort_by} » (sort_by).")
        for name in self.grouping:
            if name not in BY_CODE or not BY_CODE[name].groupable:
                raise QueryError(f"On ne peut pas grouper par « {name} » (grouping).")
        if len(self.grouping) > 6:
            raise QueryError("Six niveaux de regroupement au plus.")
        if len(self.grouped) > len(self.grouping):
            raise QueryError("grouped a plus de valeurs que grouping n'a de colonnes.")
        for name, value in zip(self.grouping, self.grouped, strict=False):
            if value != "None" and isinstance(ligne.c[name].type, sa.Integer) and not _is_int32(value):
                raise QueryError(f"grouped : « {value} » n'est pas un nombre entier ({name}).")
        for f in dataclasses.fields(self):
            if f.name in _LISTS:
                check_list_length(f.name, getattr(self, f.name))
        if self.page < 1 or not 1 <= self.page_size <= PAGE_SIZE_MAX:
            raise QueryError("page doit être ≥ 1 et page_size entre 1 et 100 000.")
        if (self.page - 1) * self.page_size >= 2**63:
            raise QueryError(f"page : {self.page} est au-delà de la dernière page possible.")
        for year in self.annee:
            if not _is_int32(year):
                raise QueryError(f"annee : {year} n'est pas une année.")
        return self

    def _check_critere_geo(self) -> None:
        self.critere_geo = list(dict.fromkeys(c.lower() for c in self.critere_geo))
        for value in self.critere_geo:
            if value not in CRITERES_GEO:
                raise QueryError(
                    f"critere_geo « {value} » inconnu : valeurs possibles {', '.join(CRITERES_GEO)}."
                )
        if self.critere_geo and self.niveau_geo is None:
            raise QueryError(
                "critere_geo choisit comment une ligne est dans la zone : précisez niveau_geo et code_geo."
            )
        niveau = (self.niveau_geo or "").lower()
        if self.critere_geo == ["centre_couts"] and niveau not in ("region", "departement"):
            raise QueryError(
                "critere_geo : le centre de coûts ne situe une ligne que dans une région ou un département ; "
                "choisissez aussi beneficiaire ou localisation."
            )


_LISTS = {f.name for f in dataclasses.fields(SearchParams) if f.type.startswith("list")}
_INTS = {"page", "page_size"}
# The search page's year range, accepted by the API too (same meaning: every year from one to the other).
_YEAR_BOUNDS = ("annee_min", "annee_max")
YEAR_SPAN_MAX = 200


def params_from_query(query: dict[str, str]) -> SearchParams:
    """Reference-compatible query string → SearchParams; an unknown parameter is refused, never ignored."""
    known = {f.name for f in dataclasses.fields(SearchParams)}
    values: dict[str, object] = {}
    bounds: dict[str, int] = {}
    for name, raw in query.items():
        if name in _YEAR_BOUNDS:
            if not is_integer(raw.strip()) or not _is_int32(raw.strip()):
                raise QueryError(f"{name} : « {raw} » n'est pas une année.")
            bounds[name] = int(raw.strip())
            continue
        if name not in known:
            raise QueryError(f"Paramètre « {name} » inconnu.")
        if name in _LISTS:
            parts = [v.strip() for v in raw.split("|" if name == "theme" else ",") if v.strip()]
            check_list_length(name, parts)
            if name == "annee":
                if not all(is_integer(v) for v in parts):
                    raise QueryError(f"annee : « {raw} » n'est pas une liste d'années.")
                values[name] = [int(v) for v in parts]
            else:
                values[name] = parts
        elif name in _INTS:
            if not is_integer(raw):
                raise QueryError(f"{name} : « {raw} » n'est pas un nombre entier.")
            values[name] = int(raw)
        else:
            values[name] = raw
    if bounds:
        values["annee"] = _year_range(bounds, values.get("annee"))
    return SearchParams(**values)  # type: ignore[arg-type]


def _year_range(bounds: dict[str, int], annee: object) -> list[int]:
    """annee_min/annee_max (one alone: that year, as on the search page) → the list of years."""
    if annee:
        raise QueryError("annee ou annee_min/annee_max : précisez l'un ou l'autre, pas les deux.")
    lo = bounds.get("annee_min", bounds.get("annee_max"))
    hi = bounds.get("annee_max", lo)
    assert lo is not None and hi is not None
    if lo > hi:
        raise QueryError(f"annee_min ({lo}) est après annee_max ({hi}).")
    if hi - lo >= YEAR_SPAN_MAX:
        raise QueryError(f"annee_min/annee_max : {YEAR_SPAN_MAX} années au plus.")
    return list(range(lo, hi + 1))


def _is_int32(value: int | str) -> bool:
    """A value an INTEGER column can be compared with (beyond it, PostgreSQL fails with a server error)."""
    try:
        return -(2**31) <= int(value) < 2**31
    except ValueError:
        return False


def merged_query(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A query string's (name, value) pairs as one value per name: a repeated list parameter
    (`annee=2022&annee=2023`) is joined like its comma-separated form; a repeated single-value
    parameter is refused (which one would apply?)."""
    merged: dict[str, list[str]] = {}
    for name, value in pairs:
        merged.setdefault(name, []).append(value)
    result = {}
    for name, values in merged.items():
        if len(values) > MAX_VALUES:
            raise QueryError(f"Paramètre « {name} » répété {len(values)} fois : {MAX_VALUES} au plus.")
        if len(values) > 1 and name not in _LISTS:
            raise QueryError(f"Paramètre « {name} » répété : il n'accepte qu'une valeur.")
        result[name] = ("|" if name == "theme" else ",").join(values)
    return result
