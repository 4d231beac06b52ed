"""Read-model lines written by code for the open aggregates' tests (query/ouvert.py): small cells,
a lone company, lines without SIRET, two régions' files, ADEME aid. Amounts are chosen so that a
leaked cell is recognisable (a lone company's amounts end in .77)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import sqlalchemy as sa

from dataetat.store.schema import ligne

LONE_AMOUNT = Decimal("777777.77")  # the lone company of commune 35238, programme 149, 2023
_ids = itertools.count(1)


def _line(siret, programme, annee, ae, cp="0", *, commune="35238", dep="35", epci="243500139",
          region="53", source="FINANCIAL_DATA_AE", data_source="REGION", source_region="53",
          qpv=None, theme=None) -> dict:  # fmt: skip
    return {
        "id": next(_ids),
        "partie": 0,
        "source": source,
        "data_source": data_source,
        "source_region": source_region,
        "annee": annee,
        "montant_ae": Decimal(ae),
        "montant_cp": Decimal(cp),
        "nombre_cp": 0,
        "programme_code": programme,
        "programme_label": f"Programme {programme}",
        "programme_theme": theme or ("Travail" if programme == "103" else "Agriculture"),
        "beneficiaire_code": siret,
        "beneficiaire_denomination": f"Entreprise {siret}" if siret else None,
        "beneficiaire_commune_code": commune,
        "beneficiaire_commune_label": {"35238": "Rennes", "35047": "Bruz", "29019": "Brest"}.get(commune),
        "beneficiaire_departement_code": dep,
        "beneficiaire_departement_label": {"35": "Ille-et-Vilaine", "29": "Finistère"}.get(dep),
        "beneficiaire_epci_code": epci,
        "beneficiaire_epci_label": "Rennes Métropole" if epci == "243500139" else "Brest Métropole",
        "beneficiaire_region_code": region,
        "beneficiaire_region_label": "Bretagne",
        "qpv_code": qpv,
        "qpv_label": f"Quartier {qpv}" if qpv else None,
    }


def lines() -> list[dict]:
    rows = []
    # Rennes, programme 103, 2023: 5 companies (published).
    for i in range(5):
        rows.append(_line(f"1000000000000{i}", "103", 2023, "1000.00", "400.00", qpv="QN03501M"))
    # Rennes, programme 149, 2023: ONE company (withheld), and its amount must never appear.
    rows.append(_line("20000000000001", "149", 2023, LONE_AMOUNT, "11.77"))
    # Rennes, programme 181, 2023: 2 companies (withheld too: « autres » then has 3 → published).
    rows.append(_line("30000000000001", "181", 2023, "500.00"))
    rows.append(_line("30000000000002", "181", 2023, "600.00"))
    # Bruz, 2023: programme 103 with 3 companies, programme 149 with 1 → « autres » has 1 < 3:
    # the smallest published cell (103) joins it.
    for i in range(3):
        rows.append(_line(f"4000000000000{i}", "103", 2023, "200.00", commune="35047"))
    rows.append(_line("50000000000001", "149", 2023, "9999.77", commune="35047"))
    # Brest, 2024: two companies only (the whole group withheld).
    rows.append(_line("60000000000001", "103", 2024, "123.77", commune="29019", dep="29", epci="242900314"))
    rows.append(_line("60000000000002", "103", 2024, "456.77", commune="29019", dep="29", epci="242900314"))
    # Lines without SIRET count for no beneficiary (Rennes, 2024, programme 103, 10 lines: withheld).
    for _ in range(10):
        rows.append(_line(None, "103", 2024, "10.00"))
    # The national extract brings the same commune (another jeu: chorus-nation 53).
    for i in range(4):
        rows.append(_line(f"7000000000000{i}", "103", 2023, "3000.00", data_source="NATION"))
    # ADEME aid in Rennes (jeu ademe-53), 3 companies.
    for i in range(3):
        rows.append(_line(f"8000000000000{i}", "181", 2023, "50000.00", source="ADEME", data_source=None))
    return rows


def fill(engine: sa.Engine) -> list[dict]:
    rows = lines()
    with engine.begin() as conn:
        conn.execute(ligne.insert(), rows)
    return rows
