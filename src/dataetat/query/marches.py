"""The « Commande publique » search: parameters, filters (each a clause and a French sentence),
columns of the read model `marche_ligne` (one row per marché and titulaire).

Same contract style as the financial lines (query/params.py): every parameter is applied or refused
with a French 400; lists are comma-separated or repeated; the région scope is `filters.marches_scope`.

Parameters: `acheteur`, `titulaire` (SIRETs), `cpv` (codes or prefixes: « 45 » is the division,
« 4521 » a group), `objet` (full text: every word, accents and case folded), `montant_min`,
`montant_max`, `date_min`, `date_max` (notification, aaaa-mm-jj), `annee`, `procedure`, `nature`,
`niveau_geo` + `code_geo` (lieu d'exécution: region, departement or commune), `grouping` + `grouped`,
`sort_by` + `sort_order`, `page`, `page_size`, `colonnes`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from dataetat.model.format_fr import euros
from dataetat.query.filters import Filter, in_codes
from dataetat.query.params import PAGE_SIZE_MAX, QueryError, check_list_length, is_integer
from dataetat.store.marches_schema import marche_ligne

c = marche_ligne.c
NIVEAUX_LIEU = {"region": "région", "departement": "département", "commune": "commune"}


@dataclass(frozen=True)
class Colonne:
    code: str
    label: str
    default: bool = False
    groupable: bool = False
    label_column: str | None = None


COLONNES: tuple[Colonne, ...] = (
    Colonne("objet", "Objet", True),
    Colonne("titulaire_nom", "Titulaire", True),
    Colonne("titulaire_id", "SIRET du titulaire", False, True, "titulaire_nom"),
    Colonne("acheteur_nom", "Acheteur", True),
    Colonne("acheteur_id", "SIRET de l'acheteur", False, True, "acheteur_nom"),
    Colonne("montant", "Montant du marché", True),
    Colonne("montant_part", "Part du titulaire"),
    Colonne("date_notification", "Date de notification", True),
    Colonne("annee", "Année de notification", False, True),
    Colonne("duree_mois", "Durée (mois)"),
    Colonne("cpv_code", "Code CPV", False, True, "cpv_label"),
    Colonne("cpv_division_code", "Division CPV", False, True, "cpv_division_label"),
    Colonne("nature", "Nature", False, True),
    Colonne("procedure", "Procédure", False, True),
    Colonne("forme_prix", "Forme du prix", False, True),
    Colonne("nombre_titulaires", "Nombre de titulaires"),
    Colonne("nombre_modifications", "Nombre de modifications"),
    Colonne("lieu_commune_code", "Commune d'exécution", False, True, "lieu_commune_label"),
    Colonne("lieu_departement_code", "Département d'exécution", False, True, "lieu_departement_label"),
    Colonne("lieu_region_code", "Région d'exécution", False, True, "lieu_region_label"),
    Colonne("titulaire_commune_code", "Commune du titulaire", False, True, "titulaire_commune_label"),
    Colonne("titulaire_categorie", "Catégorie d'entreprise", False, True),
    Colonne("titulaire_categorie_juridique_type", "Type de titulaire", False, True),
    Colonne("uid", "Identifiant du marché"),
)
BY_CODE = {col.code: col for col in COLONNES}
DEFAULT = [col.code for col in COLONNES if col.default]


@dataclass
class MarchesParams:
    acheteur: list[str] = field(default_factory=list)
    titulaire: list[str] = field(default_factory=list)
    cpv: list[str] = field(default_factory=list)
    objet: str | None = None
    montant_min: float | None = None
    montant_max: float | None = None
    date_min: date | None = None
    date_max: date | None = None
    annee: list[int] = field(default_factory=list)
    procedure: list[str] = field(default_factory=list)
    nature: list[str] = field(default_factory=list)
    niveau_geo: str | None = None
    code_geo: list[str] = field(default_factory=list)
    grouping: list[str] = field(default_factory=list)
    grouped: list[str] = field(default_factory=list)
    sort_by: str | None = None
    sort_order: str | None = None
    page: int = 1
    page_size: int = 100
    colonnes: list[str] = field(default_factory=list)

    def check(self) -> MarchesParams:
        if (self.niveau_geo is None) != (not self.code_geo):
            raise QueryError("niveau_geo et code_geo vont ensemble : précisez les deux ou aucun.")
        if self.niveau_geo is not None:
            self.niveau_geo = self.niveau_geo.lower()
            if self.niveau_geo not in NIVEAUX_LIEU:
                raise QueryError(
                    f"niveau_geo « {self.niveau_geo} » : valeurs possibles {', '.join(NIVEAUX_LIEU)}."
                )
        for value in self.cpv:
            if not (is_integer(value) and 1 <= len(value) <= 8):
                raise QueryError(f"cpv « {value} » : un code CPV ou son début (1 à 8 chiffres).")
        if (self.sort_by is None) != (self.sort_order is None):
            raise QueryError("sort_by et sort_order vont ensemble : précisez les deux ou aucun.")
        if self.sort_order is not None and self.sort_order not in ("asc", "desc"):
            raise QueryError(f"sort_order « {self.sort_order} » : valeurs possibles asc ou desc.")
        for name in [*self.colonnes, *([self.sort_by] if self.sort_by else [])]:
            if name not in BY_CODE:
                raise QueryError(f"Colonne « {name} » inconnue : voir la liste des colonnes.")
        for name in self.grouping:
            if name not in BY_CODE or not BY_CODE[name].groupable:
                raise QueryError(f"On ne peut pas grouper par « {name} » (grouping).")
        if len(self.grouping) > 6 or len(self.grouped) > len(self.grouping):
            raise QueryError("grouping : six niveaux au plus, et grouped pas plus long que grouping.")
        if (
            self.montant_min is not None
            and self.montant_max is not None
            and self.montant_min > self.montant_max
        ):
            raise QueryError("montant_min est plus grand que montant_max.")
        if self.date_min and self.date_max and self.date_min > self.date_max:
            raise QueryError("date_min est après date_max.")
        if self.page < 1 or not 1 <= self.page_size <= PAGE_SIZE_MAX:
            raise QueryError("page doit être ≥ 1 et page_size entre 1 et 100 000.")
        if (self.page - 1) * self.page_size >= 2**62:
            raise QueryError(f"page : {self.page} est au-delà de la dernière page possible.")
        for f in dataclasses.fields(self):
            if f.name in _LISTS:
                check_list_length(f.name, getattr(self, f.name))
        return self


_LISTS = {f.name for f in dataclasses.fields(MarchesParams) if str(f.type).startswith("list")}
_INTS = {"page", "page_size"}
_AMOUNTS = {"montant_min", "montant_max"}
_DATES = {"date_min", "date_max"}
_AMOUNT = re.compile(r"^-?[0-9]{1,15}([.,][0-9]{1,2})?$")


def params_from_query(query: dict[str, str]) -> MarchesParams:
    """Query string → MarchesParams; an unknown or malformed parameter is refused, never ignored."""
    known = {f.name for f in dataclasses.fields(MarchesParams)}
    values: dict[str, object] = {}
    for name, raw in query.items():
        raw = raw.strip()
        if name not in known:
            raise QueryError(f"Paramètre « {name} » inconnu.")
        if raw == "":
            continue
        if name in _LISTS:
            parts = [v.strip() for v in raw.split(",") if v.strip()]
            check_list_length(name, parts)
            if name == "annee":
                if not all(is_integer(v) and len(v) == 4 for v in parts):
                    raise QueryError(f"annee : « {raw} » n'est pas une liste d'années.")
                values[name] = [int(v) for v in parts]
            else:
                values[name] = parts
        elif name in _INTS:
            if not is_integer(raw) or len(raw) > 12:
                raise QueryError(f"{name} : « {raw} » n'est pas un nombre entier.")
            values[name] = int(raw)
        elif name in _AMOUNTS:
            if not _AMOUNT.match(raw):
                raise QueryError(f"{name} : « {raw} » n'est pas un montant (ex. 40000 ou 40000,50).")
            values[name] = float(raw.replace(",", "."))
        elif name in _DATES:
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                raise QueryError(f"{name} : « {raw} » n'est pas une date aaaa-mm-jj.") from None
        else:
            values[name] = raw
    return MarchesParams(**values)  # type: ignore[arg-type]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, word: str) -> sa.ColumnElement[bool]:
    """`column` contains `word`. A word without LIKE's special characters needs no ESCAPE clause:
    DuckDB then scans with its substring search (LIKE … ESCAPE costs ≈ 20 % more processor time
    over 1.4 M objets); with one, the escaped pattern."""
    if not any(ch in word for ch in "%_\\"):
        return column.like(f"%{word}%")
    return column.like("%" + _like(word) + "%", escape="\\")


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def build(p: MarchesParams) -> list[Filter]:
    filters: list[Filter] = []
    if p.acheteur:
        filters.append(in_codes(c.acheteur_id, p.acheteur, "acheteur"))
    if p.titulaire:
        filters.append(in_codes(c.titulaire_id, p.titulaire, "titulaire"))
    if p.cpv:
        clauses = [c.cpv_code.like(_like(v) + "%", escape="\\") for v in p.cpv]
        filters.append(Filter(sa.or_(*clauses), f"CPV {', '.join(p.cpv)}"))
    if p.objet:
        words = [w for w in re.split(r"\s+", fold(p.objet)) if w][:20]
        clauses = [_contains(c.objet_plie, w) for w in words]
        filters.append(Filter(sa.and_(*clauses), f"objet contenant « {p.objet} »"))
    # A decimal bound: compared as a float, PostgreSQL cast every montant to a float and could not
    # use the montant index (a whole-index filter: seconds at 1.5 M rows).
    if p.montant_min is not None:
        filters.append(Filter(c.montant >= _decimal(p.montant_min), f"montant ≥ {euros(p.montant_min)}"))
    if p.montant_max is not None:
        filters.append(Filter(c.montant <= _decimal(p.montant_max), f"montant ≤ {euros(p.montant_max)}"))
    if p.date_min:
        filters.append(
            Filter(c.date_notification >= p.date_min, f"notifiés à partir du {p.date_min:%d/%m/%Y}")
        )
    if p.date_max:
        filters.append(Filter(c.date_notification <= p.date_max, f"notifiés jusqu'au {p.date_max:%d/%m/%Y}"))
    if p.annee:
        filters.append(in_codes(c.annee, p.annee, "notifiés en"))
    if p.procedure:
        filters.append(in_codes(c.procedure, p.procedure, "procédure"))
    if p.nature:
        filters.append(in_codes(c.nature, p.nature, "nature"))
    if p.niveau_geo:
        column = c[f"lieu_{p.niveau_geo}_code"]
        label = f"exécutés en {NIVEAUX_LIEU[p.niveau_geo]}"
        filters.append(in_codes(column, p.code_geo, label, f"zones/{p.niveau_geo}"))
    return filters


def merged_query(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """A query string's pairs as one value per name: a repeated list parameter is joined with commas
    (`procedure=a&procedure=b`), a repeated single-value parameter is refused."""
    merged: dict[str, list[str]] = {}
    for name, value in pairs:
        merged.setdefault(name, []).append(value)
    for name, values in merged.items():
        check_list_length(name, values)
        if len(values) > 1 and name not in _LISTS:
            raise QueryError(f"Paramètre « {name} » répété : il n'accepte qu'une valeur.")
    return {name: ",".join(v for v in values if v.strip()) for name, values in merged.items()}
