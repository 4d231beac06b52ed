"""DECP validation: one service for the CLI (`dataetat valider decp`), the open HTTP API
(`POST /api/v1/validation/decp`), the public page and the DECP import. See docs/decp.md."""

from dataetat.decp.validation.rapport import SCHEMA_ID, Constat, Rapport, Resultat
from dataetat.decp.validation.service import iter_valider, valider_document, valider_fichier

__all__ = [
    "SCHEMA_ID",
    "Constat",
    "Rapport",
    "Resultat",
    "iter_valider",
    "valider_document",
    "valider_fichier",
]
