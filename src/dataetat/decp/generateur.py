"""Deterministic DECP 2.0.3 files made from code (a fixed seed): valid marchés and contrats de
concession, for the big-file test and the validation bench. `ecrire_json` streams to the file, so
a million records need no memory."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CPV = ["45000000", "45210000-2", "72000000", "79311000", "90910000", "33100000", "30190000", "71000000"]
PROCEDURES = [
    "Procédure adaptée",
    "Appel d'offres ouvert",
    "Appel d'offres restreint",
    "Procédure avec négociation",
]
CCAG = ["Travaux", "Fournitures courantes et services", "Prestations intellectuelles", "Pas de CCAG"]


def siret(rng: random.Random) -> str:
    """A SIRET whose SIREN and SIRET Luhn keys are right."""
    siren = _avec_cle(f"{rng.randrange(10**7, 10**8):08d}")
    return _avec_cle(siren + f"{rng.randrange(1, 10**4):04d}")


def _avec_cle(digits: str) -> str:
    from dataetat.decp.validation.regles import cle_luhn

    return next(digits + str(k) for k in range(10) if cle_luhn(digits + str(k)))


def marche(rng: random.Random, n: int, acheteurs: list[str]) -> dict[str, Any]:
    notif = date(2024, 1, 2) + timedelta(days=rng.randrange(600))
    record: dict[str, Any] = {
        "id": f"M{n:010d}",
        "acheteur": {"id": acheteurs[n % len(acheteurs)]},
        "nature": "Marché",
        "objet": f"Marché de test numéro {n} : travaux et prestations",
        "codeCPV": rng.choice(CPV),
        "techniques": {"technique": ["Sans objet"]},
        "modalitesExecution": {"modaliteExecution": ["Sans objet"]},
        "marcheInnovant": False,
        "ccag": rng.choice(CCAG),
        "offresRecues": rng.randrange(1, 9),
        "attributionAvance": False,
        "typeGroupementOperateurs": "Pas de groupement",
        "procedure": rng.choice(PROCEDURES),
        "lieuExecution": {"code": f"{rng.randrange(1, 96):02d}", "typeCode": "Code département"},
        "dureeMois": rng.randrange(1, 49),
        "dateNotification": notif.isoformat(),
        "datePublicationDonnees": (notif + timedelta(days=rng.randrange(0, 30))).isoformat(),
        "montant": round(rng.uniform(40_000, 2_000_000), 2),
        "typesPrix": {"typePrix": ["Définitif ferme"]},
        "formePrix": "Forfaitaire",
        "sousTraitanceDeclaree": False,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": siret(rng)}}],
        "considerationsSociales": {"considerationSociale": ["Pas de considération sociale"]},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": ["Pas de considération environnementale"]
        },
    }
    if n % 10 == 0:
        d = notif + timedelta(days=40)
        record["modifications"] = [
            {
                "modification": {
                    "id": 1,
                    "dateNotificationModification": d.isoformat(),
                    "datePublicationDonneesModification": (d + timedelta(days=3)).isoformat(),
                    "montant": round(record["montant"] * 1.1, 2),
                }
            }
        ]
    return record


def marches(nombre: int, graine: int = 2024) -> Iterator[dict[str, Any]]:
    rng = random.Random(graine)
    acheteurs = [siret(rng) for _ in range(max(1, nombre // 50))]
    for n in range(nombre):
        yield marche(rng, n, acheteurs)


def ecrire_json(path: Path, nombre: int, graine: int = 2024) -> Path:
    """A `{"marches": {"marche": [...]}}` file of `nombre` valid marchés, written as it goes."""
    with path.open("w", encoding="utf-8") as f:
        f.write('{"marches": {"marche": [\n')
        for n, record in enumerate(marches(nombre, graine)):
            if n:
                f.write(",\n")
            f.write(json.dumps(record, ensure_ascii=False))
        f.write("\n]}}\n")
    return path
