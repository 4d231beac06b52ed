"""Who a beneficiary of the fiche pages is (`/beneficiaires/{siret}`, its subsidies' page, the
API): SIRENE and the enrichment (table beneficiaire + ref_categorie_juridique, the zones' referentials,
siret_qpv), completed by what the lines visible to the région carry — or nothing, when none is
visible to a regional user.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.model import categorie_juridique
from dataetat.model.effectifs import TRANCHES
from dataetat.query.fiches import scoped
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
            ).where(c.beneficiaire_code == siret, *scoped(region))
        )
        .mappings()
        .one()
    )
    return dict(row) if row["n"] else None
