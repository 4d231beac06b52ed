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
from datetime import date
from urllib.parse import urlencode

from dataetat.model.enums import DataSource, NiveauGeo, Source
from dataetat.query.columns import BY_CODE
from dataetat.query.params import CRITERES_GEO, DISPOSITIFS, MAX_VALUES, SearchParams, is_integer

# The reference's grouper_par names → columns of the registry (a column code is accepted too).
GROUPER_PAR = {
    "annee_engagement": "annee",
    "region": "beneficiaire_region_code",
    "departement": "beneficiaire_departement_code",
    "epci": "beneficiaire_epci_code",
    "commune": "beneficiaire_commune_code",
    "theme": "programme_theme",
    "programme": "programme_code",
    "domaine_fonctionnel": "domaine_fonctionnel_code",
    "referentiel_programmation": "referentiel_programmation_code",
    "beneficiaire": "beneficiaire_code",
    "type_etablissement": "beneficiaire_categorie_juridique_type",
    "compte_budgetaire": "compte_budgetaire",
    "groupe_marchandise": "groupe_marchandise_code",
    "tags": "tags",
    "centre_couts": "centre_couts_code",
    "localisation": "localisation_code",
}
TYPES_BENEFICIAIRES = {
    "entreprise": "Entreprise",
    "association": "Association",
    "etat": "Etat",
    "état": "Etat",
    "collectivite": "Collectivité",
    "collectivité": "Collectivité",
    "autres": "autres",
    "autre": "autres",
}
# Zone levels of the quartiers prioritaires (NiveauGeo qpv24, qpv), offered after the others.
NIVEAUX_QPV = [("qpv24", "QPV"), ("qpv", "QPV 2015")]
VUES = {
    "lignes": "Tableau",
    "groupes": "Groupes",
    "tableau": "Tableau dynamique",
    "carte": "Carte",
    "graphiques": "Graphiques",
}
# The API's parameter names (a tag rule's search, /api/v1 links) → the page's names.
ALIASES = {
    "code_programme": "programmes",
    "referentiel_programmation": "referentiels_programmation",
    "beneficiaire_code": "beneficiaires",
    "beneficiaire_categorieJuridique_type": "types_beneficiaires",
    "domaine_fonctionnel": "domaines_fonctionnels",
}
FILTERS = (
    "code_programme",
    "code_geo",
    "annee",
    "beneficiaire_code",
    "beneficiaire_categorieJuridique_type",
    "tags",
    "domaine_fonctionnel",
    "referentiel_programmation",
    "centres_couts",
    "source",
    "data_source",
    "source_region",
    "theme",
    "objet",
    "referentiel_programmation_libelle",
    "cper",
    "dispositif",
)
# Filters of the tag rules the form has no field for: kept by hidden fields, shown as one sentence.
OTHER_FILTERS = ("theme", "objet", "referentiel_programmation_libelle", "cper", "dispositif")
MAX_GROUPING = 6
YEAR_WINDOW = 20


def year_choices(years: Sequence[int]) -> list[int]:
    """The exercices a form offers, most recent first: from this year down to the oldest of the data
    (a year without data yet, such as the current one, can be chosen too)."""
    this_year = date.today().year
    oldest = min([*years, this_year])
    return sorted({*range(oldest, this_year + 1), *years}, reverse=True)


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
        """Read the page URL; returns the search and the French messages of what was refused."""
        r, errors = cls(), []
        known = {f.name for f in dataclasses.fields(cls)}
        for name, raw_values in query.items():
            name = ALIASES.get(name, name)
            separator = "|" if name == "theme" else ","
            values = [v.strip() for raw in raw_values for v in raw.split(separator) if v.strip()]
            if len(values) > MAX_VALUES:
                errors.append(
                    f"{name} : {len(values)} valeurs, {MAX_VALUES} au plus : le paramètre est ignoré."
                )
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
        r._normalise(errors)
        return r, errors

    def _normalise(self, errors: list[str]) -> None:
        self.niveau_geo = self.niveau_geo.lower()
        if self.niveau_geo and self.niveau_geo not in {n.value for n in NiveauGeo}:
            errors.append(
                f"niveau_geo « {self.niveau_geo} » : valeurs possibles "
                + ", ".join(n.value for n in NiveauGeo)
                + "."
            )
            self.niveau_geo, self.code_geo = "", []
        if self.code_geo and not self.niveau_geo:
            errors.append("Vous devez utiliser niveau_geo et code_geo ensemble.")
            self.code_geo = []
        for name, enum in (("source", Source), ("data_source", DataSource)):
            value = getattr(self, name)
            if value and value.upper() not in {e.value for e in enum}:
                errors.append(
                    f"{name} « {value} » inconnu : valeurs possibles {', '.join(e.value for e in enum)}."
                )
                setattr(self, name, "")
        self._critere_geo(errors)
        # A level chosen without a place is no filter (the level only drives the look-up): say so.
        if self.niveau_geo and not self.code_geo:
            errors.append(
                f"Niveau géographique « {self.niveau_geo} » sans zone (code_geo) : choisissez une zone, "
                "sinon la recherche porte sur tout le territoire."
            )
        self.cper = self.cper.lower()
        if self.cper not in ("", "oui", "non"):
            errors.append(f"cper « {self.cper} » : valeurs possibles oui ou non.")
            self.cper = ""
        dispositifs = [d.lower() for d in self.dispositif]
        for d in dispositifs:
            if d not in DISPOSITIFS:
                errors.append(f"dispositif « {d} » inconnu : valeurs possibles {', '.join(DISPOSITIFS)}.")
        self.dispositif = [d for d in dict.fromkeys(dispositifs) if d in DISPOSITIFS]
        self._years(errors)
        types = []
        for t in self.types_beneficiaires:
            if t.lower() in TYPES_BENEFICIAIRES:
                types.append(TYPES_BENEFICIAIRES[t.lower()])
            elif t in TYPES_BENEFICIAIRES.values():
                types.append(t)
            else:
                errors.append(
                    f"« {t} » n'est pas un type de bénéficiaire (entreprise, association, etat, collectivite, autres)."
                )
        self.types_beneficiaires = list(dict.fromkeys(types))
        grouping = []
        for g in self.grouper_par:
            column = GROUPER_PAR.get(g, g)
            if column in BY_CODE and BY_CODE[column].groupable:
                grouping.append(column)
            else:
                errors.append(f"« {g} » n'est pas un membre de : {', '.join(GROUPER_PAR)}.")
        self.grouper_par = list(dict.fromkeys(grouping))[:MAX_GROUPING]
        self.grouped = self.grouped[: len(self.grouper_par)]
        self.colonnes = [c for c in self.colonnes if c in BY_CODE]
        if self.tri and (self.tri not in BY_CODE or not BY_CODE[self.tri].sortable):
            errors.append(f"On ne peut pas trier par « {self.tri} ».")
            self.tri = ""
        self.ordre = self.ordre if self.ordre in ("asc", "desc") else ("asc" if self.tri else "")
        if self.vue not in VUES:
            self.vue = "groupes" if self.grouper_par else "lignes"  # unknown or not given
        if self.vue == "groupes" and not self.grouper_par:
            self.vue = "lignes"
        self.page = max(1, self.page)

    def _critere_geo(self, errors: list[str]) -> None:
        criteres = []
        for value in (v.lower() for v in self.critere_geo):
            if value in CRITERES_GEO:
                criteres.append(value)
            else:
                errors.append(
                    f"critere_geo « {value} » inconnu : valeurs possibles {', '.join(CRITERES_GEO)}."
                )
        criteres = [c for c in CRITERES_GEO if c in criteres]  # the form's order
        if criteres == ["centre_couts"] and self.niveau_geo not in ("", "region", "departement"):
            errors.append(
                "critere_geo : le centre de coûts ne situe une ligne que dans une région ou un département ; "
                "les trois critères sont appliqués."
            )
            criteres = []
        self.critere_geo = [] if len(criteres) == len(CRITERES_GEO) else criteres

    def _years(self, errors: list[str]) -> None:
        this_year = date.today().year
        if self.annees:
            if any(y > this_year for y in self.annees):
                errors.append(f"annees ne peut pas dépasser l'année en cours ({this_year}).")
            years = [y for y in self.annees if y <= this_year]
            if self.annee_min is not None or self.annee_max is not None:  # both: the years of the range
                lo, hi = sorted((self.annee_min or self.annee_max, self.annee_max or self.annee_min))
                years = [y for y in years if lo <= y <= hi]
            if len(years) > YEAR_WINDOW:
                errors.append(f"Une recherche couvre {YEAR_WINDOW} ans au plus : les {YEAR_WINDOW} derniers.")
                years = years[-YEAR_WINDOW:]
            self.annee_min = self.annee_max = None
            self.annees = []
            if years and years == list(range(years[0], years[-1] + 1)):
                self.annee_min, self.annee_max = years[0], years[-1]  # a range: the reference's names
            elif years:
                self.annees = years
            return
        lo, hi = self.annee_min, self.annee_max
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
            errors.append(
                f"Une recherche couvre {YEAR_WINDOW} ans au plus : à partir de {hi - YEAR_WINDOW + 1}."
            )
            lo = hi - YEAR_WINDOW + 1
        self.annee_min, self.annee_max = lo, hi

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
