"""Each filter is data: a bound-parameter SQL clause and a French sentence describing it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dataetat.model.enums import NIVEAU_EN_MOTS
from dataetat.query.params import DISPOSITIFS, SearchParams
from dataetat.store.schema import commune_dispositif, ligne, ref_departement, ref_programme

c = ligne.c
SOURCES = {
    "FINANCIAL_DATA_AE": "engagements Chorus (AE)",
    "FINANCIAL_DATA_CP": "paiements Chorus (CP)",
    "ADEME": "aides de l'ADEME",
    "FRANCE_2030": "lauréats France 2030",
}


@dataclass(frozen=True)
class Named:
    """Codes of a referential that a filter's sentence shows by name: `before`, then each code as
    « name (code) », then `after`. `kind` is a referential of `lookups.chosen` (« zones/departement »,
    « programmes »…); `lookups.phrases` names every filter's codes in one query."""

    kind: str
    codes: tuple[str, ...]
    before: str
    after: str = ""


@dataclass(frozen=True)
class Filter:
    clause: sa.ColumnElement[bool]
    description: str  # with the codes alone (`lookups.phrases` names them)
    named: Named | None = None


def in_codes(column, values, label: str, kind: str | None = None) -> Filter:
    """`column` among `values`: « label v1, v2 »; `kind` (a referential of `lookups.chosen`) names them."""
    description = f"{label} {', '.join(map(str, values))}"
    named = Named(kind, tuple(map(str, values)), f"{label} ") if kind else None
    return Filter(column.in_(values), description, named)


# What each criterion of `critere_geo` is called in « Lieu retenu » (QPV zones: their own words).
LIEUX = {
    "beneficiaire": "commune du bénéficiaire",
    "localisation": "localisation interministérielle",
    "centre_couts": "centre de coûts",
}
LIEUX_QPV = {"beneficiaire": "QPV du bénéficiaire", "localisation": "lieu de l'action"}


def geo_criteria(niveau: str, codes: list[str]) -> dict[str, sa.ColumnElement[bool]]:
    """The reference's rule: a line is in a zone when its beneficiary's commune, its localisation
    interministérielle or (région, département) its centre de coûts' département is in it. One
    clause per criterion of CRITERES_GEO that applies at this level."""
    niveau = niveau.lower()
    if niveau in ("qpv", "qpv24"):  # by the beneficiary's QPV of that division, or by the lieu d'action
        return {
            "beneficiaire": c[f"beneficiaire_{niveau}_code"].in_(codes),
            "localisation": c.lieu_action_qpv_code.in_(codes),
        }
    criteria = {
        "beneficiaire": c[f"beneficiaire_{niveau}_code"].in_(codes),
        "localisation": c[f"localisation_{niveau}_code"].in_(codes),
    }
    if niveau == "departement":
        criteria["centre_couts"] = c.centre_couts_departement_code.in_(codes)
    elif niveau == "region":
        deps = sa.select(ref_departement.c.code).where(ref_departement.c.code_region.in_(codes))
        criteria["centre_couts"] = c.centre_couts_departement_code.in_(deps)
    return criteria


def _chosen_criteria(p: SearchParams) -> dict[str, sa.ColumnElement[bool]]:
    criteria = geo_criteria(p.niveau_geo or "", p.code_geo)
    return {k: v for k, v in criteria.items() if not p.critere_geo or k in p.critere_geo}


def _geo(p: SearchParams) -> Filter:
    niveau = (p.niveau_geo or "").lower()
    criteria = _chosen_criteria(p)
    before = f"{NIVEAU_EN_MOTS.get(niveau, niveau)} "
    after = ""
    if p.critere_geo:
        words = LIEUX_QPV if niveau in ("qpv", "qpv24") else LIEUX
        after = " (par " + ", ".join(words[k] for k in criteria) + ")"
    named = Named(f"zones/{niveau}", tuple(p.code_geo), before, after)
    return Filter(sa.or_(*criteria.values()), before + ", ".join(p.code_geo) + after, named)


def lieu_retenu(p: SearchParams) -> sa.ColumnElement[str]:
    """Which chosen criteria placed each line in the searched zone (« commune du bénéficiaire,
    centre de coûts »); NULL without a zone filter."""
    if not p.niveau_geo or not p.code_geo:
        return sa.cast(sa.null(), sa.String)
    words = LIEUX_QPV if p.niveau_geo.lower() in ("qpv", "qpv24") else LIEUX
    parts = [
        sa.case((clause, sa.literal(words[k])), else_=sa.null()) for k, clause in _chosen_criteria(p).items()
    ]
    return sa.func.nullif(sa.func.concat_ws(sa.literal(", "), *parts), sa.literal(""))


def _tags(tags: list[str]) -> Filter:
    padded = sa.literal(" ") + c.tags + sa.literal(" ")
    # "type:value" matches that tag; a bare name matches the tag itself (cp-orphelin) or any value of that type.
    # autoescape: % and _ in a tag are literal, not LIKE wildcards.
    conditions = [
        sa.or_(padded.contains(f" {t} ", autoescape=True), padded.contains(f" {t}:", autoescape=True))
        if ":" not in t
        else padded.contains(f" {t} ", autoescape=True)
        for t in tags
    ]
    # Most lines carry no tag: the null test spares them the string work (PostgreSQL: 2× faster).
    return Filter(sa.and_(c.tags.is_not(None), sa.or_(*conditions)), f"étiquettes {', '.join(tags)}")


def _categorie(types: list[str]) -> Filter:
    named = [t for t in types if t.lower() != "autres"]
    conditions = [c.beneficiaire_categorie_juridique_type.in_(named)] if named else []
    if len(named) != len(types):
        conditions.append(c.beneficiaire_categorie_juridique_type.is_(None))
    return Filter(sa.or_(*conditions), f"type de bénéficiaire {', '.join(types)}")


def _theme(themes: list[str]) -> Filter:
    programmes = sa.select(ref_programme.c.code).where(ref_programme.c.theme.in_(themes))
    return Filter(c.programme_code.in_(programmes), f"thème {' | '.join(themes)}")


def _quoted(values: list[str], joiner: str = " ou ") -> str:
    return joiner.join(f"« {v} »" for v in values)


def _like_escaped(value: str) -> str:
    """`value` for a LIKE pattern: % and _ typed by the user are literal, not wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _objet(prefixes: list[str]) -> Filter:
    # ILIKE: case-insensitive without lower() copying every string (both databases have it).
    return Filter(
        sa.or_(*(c.objet.ilike(_like_escaped(p) + "%", escape="\\") for p in prefixes)),
        f"objet commençant par {_quoted(prefixes)}",
    )


def _rp_libelle(parts: list[str]) -> Filter:
    label = c.referentiel_programmation_label
    return Filter(
        sa.or_(*(label.ilike("%" + _like_escaped(p) + "%", escape="\\") for p in parts)),
        f"référentiel de programmation dont le libellé contient {_quoted(parts)}",
    )


# Chorus writes "#" (and sometimes nothing) where a line has no contrat de plan État-région.
_NO_CPER = ("", "#")


def _cper(value: str) -> Filter:
    has = sa.and_(c.contrat_etat_region.is_not(None), c.contrat_etat_region.not_in(_NO_CPER))
    if value == "oui":
        return Filter(has, "rattachées à un contrat de plan État-région (CPER)")
    return Filter(
        sa.or_(c.contrat_etat_region.is_(None), c.contrat_etat_region.in_(_NO_CPER)),
        "sans contrat de plan État-région (CPER)",
    )


def _dispositif(names: list[str]) -> Filter:
    communes = sa.select(commune_dispositif.c.code_commune).where(commune_dispositif.c.dispositif.in_(names))
    return Filter(
        sa.or_(c.beneficiaire_commune_code.in_(communes), c.localisation_commune_code.in_(communes)),
        "bénéficiaire ou localisation dans une commune "
        + " ou ".join(f"« {DISPOSITIFS[n]} »" for n in names),
    )


# The value of `source_region` meaning « région inconnue »: an operator's aid whose beneficiary is
# not geolocated (no région in the file nor from SIRENE). Only national users see such lines.
REGION_INCONNUE = "inconnue"


def _source_region(values: list[str]) -> Filter:
    codes = [r.zfill(2) for r in values if r.lower() != REGION_INCONNUE]
    conditions = [c.source_region.in_(codes)] if codes else []
    if len(codes) != len(values):
        conditions.append(c.source_region.is_(None))
    inconnue = ["inconnue (bénéficiaire non géolocalisé)"] if len(codes) != len(values) else []
    after = "".join(f", {x}" for x in inconnue)
    named = Named("zones/region", tuple(codes), "région de l'import ", after) if codes else None
    return Filter(sa.or_(*conditions), f"région de l'import {', '.join([*codes, *inconnue])}", named)


def build(p: SearchParams) -> list[Filter]:
    filters: list[Filter] = []
    if p.code_programme:
        filters.append(
            in_codes(
                c.programme_code,
                [x.lstrip("0") if len(x) == 4 else x for x in p.code_programme],
                "programme",
                "programmes",
            )
        )
    if p.niveau_geo:
        filters.append(_geo(p))
    if p.annee:
        filters.append(in_codes(c.annee, p.annee, "année"))
    if p.beneficiaire_code:
        filters.append(in_codes(c.beneficiaire_code, p.beneficiaire_code, "bénéficiaire"))
    if p.beneficiaire_categorieJuridique_type:
        filters.append(_categorie(p.beneficiaire_categorieJuridique_type))
    if p.tags:
        filters.append(_tags(p.tags))
    if p.domaine_fonctionnel:
        filters.append(
            in_codes(
                c.domaine_fonctionnel_code,
                p.domaine_fonctionnel,
                "domaine fonctionnel",
                "domaines-fonctionnels",
            )
        )
    if p.referentiel_programmation:
        filters.append(
            in_codes(
                c.referentiel_programmation_code,
                p.referentiel_programmation,
                "référentiel de programmation",
                "referentiels-programmation",
            )
        )
    if p.centres_couts:
        filters.append(in_codes(c.centre_couts_code, p.centres_couts, "centre de coûts", "centres-couts"))
    if p.n_ej:
        filters.append(in_codes(c.n_ej, p.n_ej, "EJ"))
    if p.theme:
        filters.append(_theme(p.theme))
    if p.source:
        filters.append(Filter(c.source == p.source, f"source : {SOURCES.get(p.source, p.source)}"))
    if p.data_source:
        filters.append(in_codes(c.data_source, [p.data_source], "origine"))
    if p.source_region:
        filters.append(_source_region(p.source_region))
    if p.objet:
        filters.append(_objet(p.objet))
    if p.referentiel_programmation_libelle:
        filters.append(_rp_libelle(p.referentiel_programmation_libelle))
    if p.cper:
        filters.append(_cper(p.cper))
    if p.dispositif:
        filters.append(_dispositif(p.dispositif))
    return filters


def region_scope(region: str | None) -> sa.ColumnElement[bool] | None:
    """The single place where a user's région restricts what they see: their région and the
    administration centrale (00). Lines of unknown région (`source_region` NULL: an operator's aid
    whose beneficiary is not geolocated) belong to no région: a regional user does not see them,
    only their number and sum (`unknown_region`). None (national) sees everything."""
    if region is None:
        return None
    return sa.or_(c.source_region == region.zfill(2), c.source_region == "00")


def unknown_region() -> sa.ColumnElement[bool]:
    """The lines of unknown région (counted apart, see `region_scope`)."""
    return c.source_region.is_(None)


def marches_scope(region: str | None) -> sa.ColumnElement[bool] | None:
    """The région scope of public procurement (`marche_ligne`), next to the lines' one: a regional
    user sees the marchés executed in their région, else (no lieu d'exécution resolved) those of an
    acheteur of their région (`region_code`, store/marches_readmodel.py). Marchés of no known région
    are seen by national users only. None (national) sees everything."""
    if region is None:
        return None
    from dataetat.store.marches_schema import marche_ligne

    return marche_ligne.c.region_code == region.zfill(2)
