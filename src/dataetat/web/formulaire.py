"""The search of the web pages: URL parameters (the reference's deep-link names) ↔ SearchParams.

The page URL is the whole state of a search (shareable, bookmarkable, back/forward): filters,
columns, sort, page, grouping and view. Names follow the reference's deep links (`programmes,
niveau_geo, code_geo, annee_min, annee_max, beneficiaires, types_beneficiaires,
domaines_fonctionnels, referentiels_programmation, source_region, grouper_par, plein_ecran`), plus
this project's (`tags, centres_couts, source, data_source, grouped, colonnes, tri, ordre, page, vue,
pivot_lignes, pivot_colonnes, valeur`, and the filters of the tag rules `theme, objet,
referentiel_programmation_libelle, cper, dispositif`). A list is comma-separated or repeated (forms
repeat keys); `theme` is separated by `|` as in the API. The API's names of the filters
(`code_programme`, `annee`, `beneficiaire_code`…) are read too: a tag rule's search opens as is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from dataetat.query.params import SearchParams
from dataetat.web.formulaire_choix import FILTERS, OTHER_FILTERS
from dataetat.web.formulaire_lecture import read_query


@dataclass
class Recherche:
    programmes: list[str] = field(default_factory=list)
    referentiels_programmation: list[str] = field(default_factory=list)
    niveau_geo: str = ""
    code_geo: list[str] = field(default_factory=list)
    critere_geo: list[str] = field(default_factory=list)  # empty: all of CRITERES_GEO
    annee_min: int | None = None
    annee_max: int | None = None
    annees: list[int] = field(default_factory=list)  # exercices that need not follow each other
    beneficiaires: list[str] = field(default_factory=list)
    types_beneficiaires: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    domaines_fonctionnels: list[str] = field(default_factory=list)
    centres_couts: list[str] = field(default_factory=list)
    source: str = ""
    data_source: str = ""
    source_region: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    objet: list[str] = field(default_factory=list)
    referentiel_programmation_libelle: list[str] = field(default_factory=list)
    cper: str = ""
    dispositif: list[str] = field(default_factory=list)
    grouper_par: list[str] = field(default_factory=list)
    grouped: list[str] = field(default_factory=list)
    colonnes: list[str] = field(default_factory=list)
    tri: str = ""
    ordre: str = ""
    page: int = 1
    vue: str = ""  # empty: groups when grouper_par is given (the reference's deep links), else lines
    plein_ecran: bool = False
    pivot_lignes: str = "programme_code"
    pivot_colonnes: str = "annee"
    valeur: str = "montant_ae"

    # --- URL → search ---------------------------------------------------------------------

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> tuple[Recherche, list[str]]:
        """Read the page URL; returns the search and the French messages of what was refused
        (web/formulaire_lecture.py)."""
        r = cls()
        return r, read_query(r, query)

    # --- search → query parameters ----------------------------------------------------------

    @property
    def has_filters(self) -> bool:
        params = self.to_params(grouped=False)
        return any(getattr(params, name) for name in FILTERS)

    def to_params(self, *, grouped: bool = True) -> SearchParams:
        """The search as the query layer's parameters (filters only when `grouped` is False)."""
        params = SearchParams(
            code_programme=self.programmes,
            niveau_geo=(self.niveau_geo or None) if self.code_geo else None,
            code_geo=self.code_geo,
            critere_geo=self.critere_geo if self.code_geo else [],
            annee=self.years(),
            beneficiaire_code=self.beneficiaires,
            beneficiaire_categorieJuridique_type=self.types_beneficiaires,
            tags=self.tags,
            domaine_fonctionnel=self.domaines_fonctionnels,
            referentiel_programmation=self.referentiels_programmation,
            centres_couts=self.centres_couts,
            source=self.source or None,
            data_source=self.data_source or None,
            source_region=self.source_region,
            theme=self.theme,
            objet=self.objet,
            referentiel_programmation_libelle=self.referentiel_programmation_libelle,
            cper=self.cper or None,
            dispositif=self.dispositif,
            colonnes=self.colonnes,
        )
        if grouped and self.grouper_par:
            # Groups view: the groups under the opened path; other views: the lines under it.
            depth = len(self.grouped) + (1 if self.vue == "groupes" else 0)
            params.grouping, params.grouped = self.grouper_par[:depth], self.grouped
        if self.tri:
            params.sort_by, params.sort_order = self.tri, self.ordre or "asc"
        params.page = self.page
        return params

    def years(self) -> list[int]:
        """The exercices of the search: the chosen ones, or those of the range annee_min..annee_max."""
        if self.annees:
            return list(self.annees)
        return list(range(self.annee_min, self.annee_max + 1)) if self.annee_min and self.annee_max else []

    def other_filters(self) -> list[str]:
        """The tag-rule filters of this search (no form field) in plain French."""
        from dataetat.query import filters

        params = self.to_params(grouped=False)
        params = SearchParams(**{name: getattr(params, name) for name in OTHER_FILTERS})
        return [f.description for f in filters.build(params)]

    def other_fields(self) -> list[tuple[str, str]]:
        """The hidden fields keeping them when the form is sent."""
        return [(name, value) for name, value in self.query_items() if name in OTHER_FILTERS]

    def url(self, **changes) -> str:
        """The page URL of this search with some fields changed (`page` back to 1 unless given)."""
        state = dataclasses.replace(self, **({"page": 1} | changes))
        return "/?" + urlencode(state.query_items())

    def query_items(self) -> list[tuple[str, str]]:
        """Non-default fields as URL parameters, lists comma-joined."""
        default = Recherche()
        items = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, list):
                value = ("|" if f.name == "theme" else ",").join(map(str, value))
            elif isinstance(value, bool):
                value = "true" if value else "false"
            items.append((f.name, str(value)))
        return items

    def api_query(self, *, grouped: bool = False) -> str:
        """The same search as /api/v1 query parameters (for exports, map, charts)."""
        params = self.to_params(grouped=grouped)
        items: list[tuple[str, str]] = []
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            if f.name in ("page", "page_size") or value in (None, [], ""):
                continue
            if isinstance(value, list):
                value = ("|" if f.name == "theme" else ",").join(str(v) for v in value)
            items.append((f.name, str(value)))
        return urlencode(items)
