"""The figures of the "fiche" pages — a beneficiary (`/beneficiaires/{siret}`) and a territory
(`/territoires/{niveau}/{code}`): key figures and breakdowns (by source, thème, programme, year, top
beneficiaries) of exactly the lines of a search, built on `search.where` (same filters, same région
scope as the search and the API: a territory is the zone filter niveau_geo + code_geo, a beneficiary
the filter beneficiaire_code). One GROUP BY query per breakdown, parameterised, on both databases.

Names come from the referentials (ref_region, ref_departement, ref_epci, ref_commune, ref_qpv,
beneficiaire + ref_categorie_juridique + siret_qpv), else from the labels the visible lines carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.model import categorie_juridique
from dataetat.model.effectifs import TRANCHES
from dataetat.query.filters import region_scope
from dataetat.query.params import SearchParams
from dataetat.query.search import where
from dataetat.store.schema import (
    beneficiaire,
    ligne,
    ref_categorie_juridique,
    ref_commune,
    ref_departement,
    ref_epci,
    ref_qpv,
    ref_region,
    siret_qpv,
)

c = ligne.c
SIRET = re.compile(r"^\d{14}$")
CODE_ZONE = re.compile(r"^[0-9A-Za-z]{1,12}$")
NIVEAUX = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "qpv": "Quartier prioritaire (2015)",
    "qpv24": "Quartier prioritaire (2024)",
}
SOURCES = {
    "FINANCIAL_DATA_AE": "Engagements de l'État (Chorus, AE)",
    "FINANCIAL_DATA_CP": "Paiements sans engagement (Chorus, CP)",
    "ADEME": "Aides de l'ADEME",
    "FRANCE_2030": "Lauréats France 2030",
}
TOP = 10


@dataclass
class Part:
    """One group of a breakdown: its code, label and sums."""

    code: Any
    label: str
    count: int
    montant_ae: float
    montant_cp: float


@dataclass
class Chiffres:
    count: int = 0
    montant_ae: float = 0.0
    montant_cp: float = 0.0
    beneficiaires: int = 0


@dataclass
class Fiche:
    """Key figures and breakdowns of the lines of a search."""

    total: Chiffres
    par_source: list[Part] = field(default_factory=list)
    par_theme: list[Part] = field(default_factory=list)
    par_programme: list[Part] = field(default_factory=list)
    par_annee: list[Part] = field(default_factory=list)
    beneficiaires: list[Part] = field(default_factory=list)  # top TOP by AE
    description: list[str] = field(default_factory=list)


def _num(value: Any) -> float:
    return float(value) if isinstance(value, Decimal) else float(value or 0)


def _breakdown(conn, clauses, code, label=None, *, order_by_code=False, limit=None) -> list[Part]:
    ae, cp = sa.func.sum(c.montant_ae), sa.func.sum(c.montant_cp)
    lab = sa.func.max(label) if label is not None else sa.null()
    query = (
        sa.select(code.label("code"), lab.label("label"), sa.func.count(), ae, cp)
        .where(*clauses)
        .group_by(code)
        .order_by(*((code,) if order_by_code else (ae.desc(), code)))
    )
    if limit:
        query = query.limit(limit)
    return [
        Part(k, lb or ("Non renseigné" if k is None else str(k)), n, _num(a), _num(p))
        for k, lb, n, a, p in conn.execute(query).all()
    ]


def fiche(conn: Connection, params: SearchParams, region: str | None, *, beneficiaires: bool = True) -> Fiche:
    """Totals and breakdowns of the lines of `params` visible to `region` (one query each)."""
    params.check()
    clauses, description = where(params, region, conn)
    n, ae, cp, benef = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(c.montant_ae), 0),
            sa.func.coalesce(sa.func.sum(c.montant_cp), 0),
            sa.func.count(sa.distinct(c.beneficiaire_code)),
        ).where(*clauses)
    ).one()
    result = Fiche(Chiffres(n, _num(ae), _num(cp), benef), description=description)
    if not n:
        return result
    result.par_source = _breakdown(conn, clauses, c.source)
    for part in result.par_source:
        part.label = SOURCES.get(part.code, part.label)
    result.par_theme = _breakdown(conn, clauses, c.programme_theme)
    result.par_programme = _breakdown(conn, clauses, c.programme_code, c.programme_label)
    result.par_annee = _breakdown(conn, clauses, c.annee, order_by_code=True)
    if beneficiaires:
        result.beneficiaires = _breakdown(
            conn, clauses, c.beneficiaire_code, c.beneficiaire_denomination, limit=TOP
        )
    return result


# --- Names ------------------------------------------------------------------------------------


def _scoped(region: str | None) -> list[sa.ColumnElement[bool]]:
    scope = region_scope(region)
    return [] if scope is None else [scope]


def _first_label(conn, region, code_col, label_col, code) -> str | None:
    return conn.execute(
        sa.select(sa.func.max(label_col)).where(code_col == code, label_col.is_not(None), *_scoped(region))
    ).scalar_one()


def territoire(conn: Connection, niveau: str, code: str, region: str | None) -> dict[str, Any] | None:
    """The name of a zone and its parents (links up), or None when neither the referentials nor the
    visible lines know it."""
    if niveau not in NIVEAUX or not CODE_ZONE.match(code):
        return None
    zone: dict[str, Any] = {"niveau": niveau, "niveau_label": NIVEAUX[niveau], "code": code, "parents": []}
    row = None
    if niveau == "region":
        row = conn.execute(sa.select(ref_region.c.label).where(ref_region.c.code == code)).first()
    elif niveau == "departement":
        row = conn.execute(
            sa.select(ref_departement.c.label, ref_departement.c.code_region).where(
                ref_departement.c.code == code
            )
        ).first()
        if row is not None and row[1]:
            zone["parents"] = _parents(conn, region=row[1])
    elif niveau == "epci":
        row = conn.execute(sa.select(ref_epci.c.label).where(ref_epci.c.code == code)).first()
    elif niveau == "commune":
        t = ref_commune
        row = conn.execute(
            sa.select(t.c.label, t.c.code_region, t.c.code_departement, t.c.code_epci).where(t.c.code == code)
        ).first()
        if row is not None:
            zone["parents"] = _parents(conn, region=row[1], departement=row[2], epci=row[3])
    else:
        annee = 2015 if niveau == "qpv" else 2024
        t = ref_qpv
        row = conn.execute(
            sa.select(t.c.label, t.c.code_region, t.c.code_departement, t.c.code_commune).where(
                t.c.code == code, t.c.annee_decoupage == annee
            )
        ).first()
        if row is not None:
            zone["parents"] = _parents(conn, region=row[1], departement=row[2], commune=row[3])
    label = row[0] if row is not None else None
    if label is None:
        label = _label_from_lines(conn, niveau, code, region)
        if label is None:
            return None
    zone["label"] = label
    return zone


def _label_from_lines(conn, niveau: str, code: str, region: str | None) -> str | None:
    if niveau in ("qpv", "qpv24"):
        pairs = [(c[f"beneficiaire_{niveau}_code"], c[f"beneficiaire_{niveau}_label"])]
        pairs.append((c.lieu_action_qpv_code, c.lieu_action_qpv_label))
    else:
        pairs = [
            (c[f"{side}_{niveau}_code"], c[f"{side}_{niveau}_label"])
            for side in ("beneficiaire", "localisation")
        ]
    for code_col, label_col in pairs:
        if (found := _first_label(conn, region, code_col, label_col, code)) is not None:
            return found
    return None


def _parents(conn, *, region=None, departement=None, epci=None, commune=None) -> list[dict[str, str]]:
    """The enclosing zones (région, département, EPCI, commune) with their names, for links."""
    found = []
    for niveau, table, value in (
        ("region", ref_region, region),
        ("departement", ref_departement, departement),
        ("epci", ref_epci, epci),
        ("commune", ref_commune, commune),
    ):
        if value:
            label = conn.execute(sa.select(table.c.label).where(table.c.code == value)).scalar()
            found.append(
                {"niveau": niveau, "niveau_label": NIVEAUX[niveau], "code": value, "label": label or value}
            )
    return found


def identite(conn: Connection, siret: str, region: str | None) -> dict[str, Any] | None:
    """Who a beneficiary is: SIRENE (table beneficiaire) and the referentials, completed by what its
    visible lines carry. None when malformed, or when no line of it is visible to `region` (a
    regional user never learns that another région funds it) and, for a national user, when SIRENE
    does not know it either."""
    if not SIRET.match(siret or ""):
        return None
    b, cj, com = beneficiaire, ref_categorie_juridique, ref_commune
    dep, reg, sq = ref_departement, ref_region, siret_qpv
    q15, q24, epci = ref_qpv.alias("q15"), ref_qpv.alias("q24"), ref_epci
    sirene = (
        conn.execute(
            sa.select(
                b.c.denomination,
                b.c.categorie_juridique,
                cj.c.label.label("categorie_juridique_label"),
                cj.c.type.label("categorie_juridique_type"),
                b.c.code_commune.label("commune_code"),
                com.c.label.label("commune_label"),
                com.c.code_departement.label("departement_code"),
                dep.c.label.label("departement_label"),
                com.c.code_region.label("region_code"),
                reg.c.label.label("region_label"),
                sq.c.code_qpv15.label("qpv_code"),
                q15.c.label.label("qpv_label"),
                sq.c.code_qpv24.label("qpv24_code"),
                q24.c.label.label("qpv24_label"),
                com.c.code_epci.label("epci_code"),
                epci.c.label.label("epci_label"),
                *(b.c[k] for k in _ENRICHED),
            )
            .select_from(
                b.outerjoin(cj, cj.c.code == b.c.categorie_juridique)
                .outerjoin(com, com.c.code == b.c.code_commune)
                .outerjoin(dep, dep.c.code == com.c.code_departement)
                .outerjoin(reg, reg.c.code == com.c.code_region)
                .outerjoin(epci, epci.c.code == com.c.code_epci)
                .outerjoin(sq, sq.c.siret == b.c.siret)
                .outerjoin(q15, q15.c.code == sq.c.code_qpv15)
                .outerjoin(q24, q24.c.code == sq.c.code_qpv24)
            )
            .where(b.c.siret == siret)
        )
        .mappings()
        .first()
    )
    seen = _from_lines(conn, siret, region)
    if seen is None and (region is not None or sirene is None):
        return None
    found: dict[str, Any] = {"siret": siret, "siren": siret[:9], "dans_sirene": sirene is not None}
    for key in _IDENTITY_KEYS:
        value = sirene.get(key) if sirene is not None else None
        found[key] = value if value not in (None, "") else (seen or {}).get(key)
    for key in (*_ENRICHED, "epci_code", "epci_label"):
        found[key] = sirene.get(key) if sirene is not None else None
    found["tranche_effectif_label"] = TRANCHES.get(found["tranche_effectif"] or "")
    found["categorie_juridique_affichee"] = categorie_juridique.affichee(
        found["categorie_juridique"], found["categorie_juridique_label"]
    )
    return found


# What the enrichment keeps (jobs/enrichissement.py), shown as it is (no fallback on the lines).
_ENRICHED = (
    "source", "updated_at", "enseigne", "naf", "tranche_effectif", "siege", "adresse", "latitude", "longitude",
    "etat_administratif", "date_fermeture", "non_diffusible", "introuvable",
)  # fmt: skip


_IDENTITY_KEYS = (
    "denomination",
    "categorie_juridique",
    "categorie_juridique_label",
    "categorie_juridique_type",
    "commune_code",
    "commune_label",
    "departement_code",
    "departement_label",
    "region_code",
    "region_label",
    "qpv_code",
    "qpv_label",
    "qpv24_code",
    "qpv24_label",
)


def _from_lines(conn, siret: str, region: str | None) -> dict[str, Any] | None:
    """The beneficiary's columns of its visible lines (max of each: they are the same on every line
    of a SIRET, but for lines imported before a SIRENE update); None when no line is visible."""
    names = {
        "denomination": c.beneficiaire_denomination,
        "categorie_juridique": c.beneficiaire_categorie_juridique,
        "categorie_juridique_type": c.beneficiaire_categorie_juridique_type,
        **{
            f"{n}_{part}": c[f"beneficiaire_{n}_{part}"]
            for n in ("commune", "departement", "region")
            for part in ("code", "label")
        },
        **{
            f"{n}_{part}": c[f"beneficiaire_{n}_{part}"]
            for n in ("qpv", "qpv24")
            for part in ("code", "label")
        },
    }
    row = (
        conn.execute(
            sa.select(
                sa.func.count().label("n"), *(sa.func.max(col).label(k) for k, col in names.items())
            ).where(c.beneficiaire_code == siret, *_scoped(region))
        )
        .mappings()
        .one()
    )
    return dict(row) if row["n"] else None
