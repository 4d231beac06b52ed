"""The demo's public procurement: a small consolidated DECP file (the decp-processing tabular
format) made from the demo's own funding lines, imported by the real path (`import_decp`).

Half the marchés are awarded to beneficiaries of AE lines, notified a few days after the EJ with a
montant within a few per cent of it (so the candidate links have something to show), the others to
the same beneficiaries with other amounts and dates; acheteurs are collectivités of the lines.
Deterministic (a fixed seed)."""

from __future__ import annotations

import csv
import random
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dataetat.store.schema import ligne

COLUMNS = [
    "uid", "id", "nature", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_typeIdentifiant",
    "titulaire_nom", "objet", "montant", "codeCPV", "procedure", "dureeMois", "dateNotification",
    "datePublicationDonnees", "formePrix", "lieuExecution_code", "lieuExecution_typeCode", "modification_id",
    "donneesActuelles", "sourceDataset",
]  # fmt: skip
OBJETS = [
    ("Travaux de rénovation énergétique d'un bâtiment public", "45210000"),
    ("Maîtrise d'œuvre pour l'aménagement d'un espace public", "71000000"),
    ("Entretien des espaces verts", "77310000"),
    ("Prestations de formation professionnelle", "80500000"),
    ("Acquisition de matériel informatique", "30200000"),
    ("Transport de personnes", "60130000"),
    ("Études et conseil en ingénierie", "71300000"),
    ("Travaux de voirie et réseaux divers", "45233000"),
]
PROCEDURES = ["Procédure adaptée", "Appel d'offres ouvert", "Procédure avec négociation"]


def generate_marches(engine: Engine, out: Path, n: int = 400, seed: int = 13) -> Path:
    rng = random.Random(seed)
    with engine.connect() as conn:
        lines = conn.execute(
            sa.select(
                ligne.c.beneficiaire_code, ligne.c.beneficiaire_denomination, ligne.c.date_creation,
                ligne.c.montant_ae, ligne.c.beneficiaire_commune_code,
            )
            .where(ligne.c.source == "FINANCIAL_DATA_AE", ligne.c.beneficiaire_code.is_not(None),
                   ligne.c.date_creation.is_not(None), ligne.c.montant_ae > 40_000,
                   ligne.c.beneficiaire_commune_code.is_not(None))
            .order_by(ligne.c.id)
            .limit(5000)
        ).all()  # fmt: skip
    if not lines:
        raise ValueError("aucune ligne AE pour fabriquer les marchés de la démo")
    acheteurs = sorted(
        {(x.beneficiaire_code, x.beneficiaire_denomination, x.beneficiaire_commune_code) for x in lines}
    )
    rows = []
    for k in range(n):
        line = rng.choice(lines)
        proche = k % 2 == 0
        acheteur = rng.choice(acheteurs)
        objet, cpv = rng.choice(OBJETS)
        jours = rng.randint(1, 40) if proche else rng.randint(-300, 300)
        montant = float(line.montant_ae) * (rng.uniform(0.96, 1.04) if proche else rng.uniform(0.3, 3))
        notification = line.date_creation + timedelta(days=jours)
        row = {
            "id": f"DEMO{k:05d}", "nature": "Marché", "acheteur_id": acheteur[0], "acheteur_nom": acheteur[1],
            "titulaire_id": line.beneficiaire_code, "titulaire_typeIdentifiant": "SIRET",
            "titulaire_nom": line.beneficiaire_denomination, "objet": objet, "montant": f"{montant:.2f}",
            "codeCPV": cpv, "procedure": rng.choice(PROCEDURES), "dureeMois": str(rng.choice([6, 12, 24, 36])),
            "dateNotification": notification.isoformat(),
            "datePublicationDonnees": (notification + timedelta(days=10)).isoformat(), "formePrix": "Forfaitaire",
            "lieuExecution_code": acheteur[2], "lieuExecution_typeCode": "Code commune", "modification_id": "0",
            "donneesActuelles": "true", "sourceDataset": "demo",
        }  # fmt: skip
        row["uid"] = row["acheteur_id"] + row["id"]
        if k % 10 == 0:  # one marché in ten modified once: a longer, dearer marché
            rows.append(row | {"donneesActuelles": "false"})
            row = row | {"montant": f"{montant * 1.1:.2f}", "dureeMois": str(int(row["dureeMois"]) + 6),
                         "dateNotification": (notification + timedelta(days=120)).isoformat(),
                         "modification_id": "1"}  # fmt: skip
        rows.append(row)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "decp-demo.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path
