"""The name of a territory of the fiche pages (`/territoires/{niveau}/{code}`, the open API's
zones) and of its enclosing zones, for links up: from the referentials (ref_region, ref_departement,
ref_epci, ref_commune, ref_qpv), else from the labels the lines visible to the région carry.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataetat.query.fiches import scoped
from dataetat.store.schema import ligne, ref_commune, ref_departement, ref_epci, ref_qpv, ref_region

c = ligne.c
CODE_ZONE = re.compile(r"^[0-9A-Za-z]{1,12}$")
NIVEAUX = {
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "qpv": "Quartier prioritaire (2015)",
    "qpv24": "Quartier prioritaire (2024)",
}


def _first_label(conn, region, code_col, label_col, code) -> str | None:
    return conn.execute(
        sa.select(sa.func.max(label_col)).where(code_col == code, label_col.is_not(None), *scoped(region))
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
