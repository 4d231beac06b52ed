"""Search parameters, named as the reference's API so that existing links and clients keep working."""

from __future__ import annotations

from dataclasses import dataclass, field

from dataetat.model.enums import NiveauGeo


class QueryError(ValueError):
    """A search parameter that cannot be applied; the message says which and why, in French."""


@dataclass
class SearchParams:
    code_programme: list[str] = field(default_factory=list)
    niveau_geo: str | None = None
    code_geo: list[str] = field(default_factory=list)
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
    grouping: list[str] = field(default_factory=list)
    grouped: list[str] = field(default_factory=list)
    sort_by: str | None = None
    sort_order: str | None = None
    page: int = 1
    page_size: int = 100
    colonnes: list[str] = field(default_factory=list)

    def check(self) -> SearchParams:
        from dataetat.query.columns import BY_CODE

        if (self.niveau_geo is None) != (not self.code_geo):
            raise QueryError("niveau_geo et code_geo vont ensemble : précisez les deux ou aucun.")
        if self.niveau_geo is not None and self.niveau_geo.lower() not in {n.value for n in NiveauGeo}:
            raise QueryError(
                f"niveau_geo « {self.niveau_geo} » inconnu : valeurs possibles "
                + ", ".join(n.value for n in NiveauGeo)
                + "."
            )
        if (self.sort_by is None) != (self.sort_order is None):
            raise QueryError("sort_by et sort_order vont ensemble : précisez les deux ou aucun.")
        if self.sort_order is not None and self.sort_order not in ("asc", "desc"):
            raise QueryError(f"sort_order « {self.sort_order} » : valeurs possibles asc ou desc.")
        for name in [*self.colonnes, *([self.sort_by] if self.sort_by else [])]:
            if name not in BY_CODE:
                raise QueryError(f"Colonne « {name} » inconnue : voir la liste des colonnes.")
        if self.sort_by is not None and not BY_CODE[self.sort_by].sortable:
            raise QueryError(f"On ne peut pas trier par « {self.sort_by} ».")
        for name in self.grouping:
            if name not in BY_CODE or not BY_CODE[name].groupable:
                raise QueryError(f"On ne peut pas grouper par « {name} ».")
        if len(self.grouping) > 6:
            raise QueryError("Six niveaux de regroupement au plus.")
        if len(self.grouped) > len(self.grouping):
            raise QueryError("grouped a plus de valeurs que grouping n'a de colonnes.")
        if self.page < 1 or not 1 <= self.page_size <= 100_000:
            raise QueryError("page doit être ≥ 1 et page_size entre 1 et 100 000.")
        return self
