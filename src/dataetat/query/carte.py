"""The map of a search ("Carte"): Σ AE, Σ CP and the number of lines per zone of one level (région,
département, EPCI or commune), over exactly the lines of a search (same filters, region scope and
grouping path as the table).

Which zone a line is drawn in — one zone per line, so that the zones add up to the search total:

- the zone of its **beneficiary** (the commune of the SIRET, and the EPCI, département and région of
  that commune) when it is known;
- otherwise the zone of its **localisation interministérielle** (N53, N5335238…) at that level;
- otherwise the line has no zone at that level: it is counted in `sans_zone` (no SIRET commune and
  a localisation coarser than the level, e.g. N53 on the département map, or none at all).

In SQL: `GROUP BY coalesce(beneficiaire_<niveau>_code, localisation_<niveau>_code)`.

At the QPV level a line is drawn in `qpv_code`: the QPV of its lieu d'action (a line split across
QPVs is drawn in each with its part), else its beneficiary's 2024 QPV, else 2015; `sans_zone` holds
the lines outside any QPV.

This is stricter than the zone *filter* (niveau_geo + code_geo, see filters.py), where a line is in a
zone when its beneficiary, its localisation or its centre de coûts' département is in it: a line
counts once on the map but may match the filters of several zones. So after clicking a zone, the
search total can exceed the amount the map showed for it (lines of other zones whose localisation or
centre de coûts is in it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import exact, where
from dataetat.store.schema import ligne

NIVEAUX = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "qpv": "QPV",
}
VALEURS = {"montant_ae": "Montant engagé (AE)", "montant_cp": "Montant payé (CP)"}


@dataclass
class Zone:
    code: str
    label: str
    montant_ae: float
    montant_cp: float
    count: int


@dataclass
class Somme:
    count: int
    montant_ae: float
    montant_cp: float


@dataclass
class CarteResult:
    niveau: str
    valeur: str
    zones: list[Zone]  # by decreasing `valeur`, then code
    sans_zone: Somme  # lines with no zone at this level
    total: Somme  # the whole search: zones + sans_zone
    description: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "niveau": self.niveau,
            "valeur": self.valeur,
            "zones": [asdict(z) for z in self.zones],
            "sans_zone": asdict(self.sans_zone),
            "total": asdict(self.total),
            "filtres": list(self.description),
        }


def check(niveau: str | None, valeur: str | None) -> tuple[str, str]:
    """The level and value of a map request, defaults applied; a French QueryError otherwise."""
    niveau = (niveau or "departement").lower()
    valeur = valeur or "montant_ae"
    if niveau not in NIVEAUX:
        raise QueryError(f"niveau « {niveau} » inconnu : valeurs possibles {', '.join(NIVEAUX)}.")
    if valeur not in VALEURS:
        raise QueryError(f"valeur « {valeur} » inconnue : valeurs possibles {', '.join(VALEURS)}.")
    return niveau, valeur


def zone_of(niveau: str) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """The code and label of the zone of a line at `niveau` (the rule of the module docstring)."""
    if niveau == "qpv":
        return ligne.c.qpv_code, ligne.c.qpv_label
    benef, loc = ligne.c[f"beneficiaire_{niveau}_code"], ligne.c[f"localisation_{niveau}_code"]
    code = sa.func.coalesce(benef, loc)
    label = sa.case(
        (benef.is_not(None), ligne.c[f"beneficiaire_{niveau}_label"]),
        else_=ligne.c[f"localisation_{niveau}_label"],
    )
    return code, label


def carte(
    conn: Connection,
    params: SearchParams,
    niveau: str | None = None,
    valeur: str | None = None,
    region: str | None = None,
) -> CarteResult:
    niveau, valeur = check(niveau, valeur)
    params.check()
    clauses, description = where(params, region, conn)
    code, label = zone_of(niveau)
    rows = conn.execute(
        sa.select(
            code.label("code"),
            sa.func.max(label).label("label"),
            sa.func.count().label("count"),
            sa.func.sum(ligne.c.montant_ae).label("montant_ae"),
            sa.func.sum(ligne.c.montant_cp).label("montant_cp"),
        )
        .where(*clauses)
        .group_by(code)
    ).all()

    zones: list[Zone] = []
    sans_zone = [0, Decimal(0), Decimal(0)]
    total = [0, Decimal(0), Decimal(0)]
    for z_code, z_label, n, ae, cp in rows:
        ae, cp = exact(ae), exact(cp)
        total = [total[0] + n, total[1] + ae, total[2] + cp]
        if z_code is None:
            sans_zone = [n, ae, cp]
        else:
            zones.append(Zone(z_code, z_label or z_code, float(ae), float(cp), n))
    zones.sort(key=lambda z: (-getattr(z, valeur), z.code))
    return CarteResult(
        niveau=niveau,
        valeur=valeur,
        zones=zones,
        sans_zone=Somme(sans_zone[0], float(sans_zone[1]), float(sans_zone[2])),
        total=Somme(total[0], float(total[1]), float(total[2])),
        description=description,
    )
