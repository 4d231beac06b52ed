"""DECP files built from code for the tests: the consolidated tabular format (58 columns' core)."""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = [
    "uid", "id", "nature", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_typeIdentifiant",
    "titulaire_nom", "objet", "montant", "codeCPV", "procedure", "dureeMois", "dateNotification",
    "datePublicationDonnees", "formePrix", "ccag", "typeGroupementOperateurs", "lieuExecution_code",
    "lieuExecution_typeCode", "modification_id", "donneesActuelles", "sourceDataset",
]  # fmt: skip
ACHETEUR_35 = "21350238800019"  # Rennes (commune 35238)
ACHETEUR_44 = "21440109300015"  # Nantes (commune 44109)
TITULAIRE = "85129663200017"  # the Chorus factories' beneficiary (région 53, EJ 100: 1,000 € on 10.01.2023)


def row(id_: str, titulaire: str = TITULAIRE, **changes: str) -> dict[str, str]:
    base = {
        "id": id_,
        "nature": "Marché",
        "acheteur_id": ACHETEUR_35,
        "acheteur_nom": "Ville de Rennes",
        "titulaire_id": titulaire,
        "titulaire_typeIdentifiant": "SIRET",
        "titulaire_nom": "ATLAS FORMATION",
        "objet": "Travaux de rénovation énergétique de l'école",
        "montant": "1050",
        "codeCPV": "45000000",
        "procedure": "Appel d'offres ouvert",
        "dureeMois": "12",
        "dateNotification": "2023-02-01",
        "datePublicationDonnees": "2023-02-10",
        "formePrix": "Forfaitaire",
        "ccag": "Travaux",
        "typeGroupementOperateurs": "Pas de groupement",
        "lieuExecution_code": "35238",
        "lieuExecution_typeCode": "Code commune",
        "modification_id": "0",
        "donneesActuelles": "true",
        "sourceDataset": "test",
    }
    base.update(changes)
    base["uid"] = base["acheteur_id"] + base["id"]
    return base


def write_decp(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def sample_rows() -> list[dict[str, str]]:
    """M1: Rennes, 1,050 € to the factories' beneficiary (a candidate link with EJ 100), modified once
    (1,200 €, 18 months); M2: Nantes (44), 80,000 € shared by two titulaires; M3: fournitures in 35."""
    return [
        row("M1", modification_id="0", donneesActuelles="false"),
        row("M1", montant="1200", dureeMois="18", dateNotification="2023-06-01", modification_id="1"),
        row("M2", acheteur_id=ACHETEUR_44, acheteur_nom="Ville de Nantes", montant="80000",
            objet="Maîtrise d'œuvre du pont", codeCPV="71000000-8", lieuExecution_code="44109",
            procedure="Procédure adaptée", dateNotification="2024-03-15"),
        row("M2", titulaire="44306184100047", acheteur_id=ACHETEUR_44, acheteur_nom="Ville de Nantes",
            titulaire_nom="BUREAU D'ETUDES OUEST", montant="80000", objet="Maîtrise d'œuvre du pont",
            codeCPV="71000000-8", lieuExecution_code="44109", procedure="Procédure adaptée",
            dateNotification="2024-03-15"),
        row("M3", titulaire="44306184100047", titulaire_nom="BUREAU D'ETUDES OUEST", montant="45000",
            objet="Fournitures de bureau", codeCPV="30192000", procedure="Procédure adaptée",
            lieuExecution_code="35000", lieuExecution_typeCode="Code postal", dateNotification="2024-05-02"),
    ]  # fmt: skip
