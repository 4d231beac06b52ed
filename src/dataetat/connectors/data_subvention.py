"""Data Subvention (betagouv/api-subventions-asso): the subsidies asked by an association, one row
per (subsidy, exercice), from the flat route of the service:

    GET {url}/etablissement/{siret}/applications        (a SIRET)
    GET {url}/association/{rna|siren}/applications      (an RNA, W + 9 digits, or a SIREN)

→ a JSON list of ApplicationFlatDto (SCDL names; absent values are "N/A" or null). The token goes in
the header `x-access-token` (services.data_subvention), never in the URL.

    resultat = subventions(settings, "77774350100044")
    resultat.etat        # Etat.OK, AUCUNE, PAS_ASSOCIATION, JETON_ABSENT, JETON_REFUSE, …
    resultat.subventions # tuple of Subvention (typed, amounts as float)

The service's answers become states, not exceptions: 404 → no subsidy known, 422 (`code` 0, « n'est
pas une association ») → not an association, 401/403 → token refused, 451 → not public; 429, 5xx,
a timeout, malformed JSON or an open circuit → service unavailable (the client has retried,
honouring Retry-After, within the service's 20 requests per minute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from dataetat.connectors import errors, services
from dataetat.connectors.client import Client
from dataetat.connectors.limiter import Creneaux
from dataetat.settings import Settings

SIRET = re.compile(r"^\d{14}$")
SIREN = re.compile(r"^\d{9}$")
RNA = re.compile(r"^W\d{9}$")
_ABSENT = {"", "N/A", "null", "NULL", "None"}


class Etat(StrEnum):
    OK = "ok"
    AUCUNE = "aucune"  # 404 or an empty list: no subsidy known
    PAS_ASSOCIATION = "pas-association"
    JETON_ABSENT = "jeton-absent"
    JETON_REFUSE = "jeton-refuse"
    NON_DIFFUSIBLE = "non-diffusible"  # 451
    REFUSEE = "refusee"  # another 4xx: the service refused the request itself
    INDISPONIBLE = "indisponible"


DEFINITIVE = frozenset({Etat.OK, Etat.AUCUNE, Etat.PAS_ASSOCIATION})  # answers about the association


class Subvention(BaseModel):
    """One ApplicationFlatDto: the fields the panels show (never a contact)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id_subvention: str | None = Field(None, alias="idSubvention")
    exercice: int | None = Field(None, alias="exerciceBudgetaire")
    ej: str | None = None
    dispositif: str | None = None
    sous_dispositif: str | None = Field(None, alias="sousDispositif")
    service_instructeur: str | None = Field(None, alias="nomServiceInstructeur")
    attribuant: str | None = Field(None, alias="nomAttribuant")
    objet: str | None = None
    statut: str | None = Field(None, alias="statutLabel")
    montant_demande: float | None = Field(None, alias="montantDemande")
    montant_accorde: float | None = Field(None, alias="montantAccorde")
    fournisseur: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _absent(cls, value: Any) -> Any:
        """ "N/A", "" and null mean absent; numbers given as text are read (« 15 000,50 »)."""
        if isinstance(value, str):
            value = value.strip()
            return None if value in _ABSENT else value
        return value

    @field_validator("ej", "id_subvention", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("montant_demande", "montant_accorde", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        return value


class Applications(RootModel[list[Subvention]]):
    pass


@dataclass(frozen=True)
class Resultat:
    etat: Etat
    subventions: tuple[Subvention, ...] = ()
    message: str = ""  # French: why, for a state that is not OK (shown to the user, logged)


def chemin(identifiant: str) -> str:
    """The route of an identifier; ValueError when it is none of SIRET, SIREN, RNA (nothing
    else ever reaches the URL)."""
    if SIRET.match(identifiant):
        return f"/etablissement/{identifiant}/applications"
    if SIREN.match(identifiant) or RNA.match(identifiant):
        return f"/association/{identifiant}/applications"
    raise ValueError(f"Identifiant d'association invalide : {identifiant!r} (SIRET, SIREN ou RNA attendu).")


def subventions(settings: Settings, identifiant: str, creneaux: Creneaux | None = None) -> Resultat:
    """The subsidies Data Subvention knows for `identifiant` (blocking: retries and the rate limit
    may wait; run it off the event loop). `creneaux`: the rate shared by every process (PostgreSQL)."""
    path = chemin(identifiant)
    try:
        service = services.data_subvention(settings)
    except ValueError as exc:  # the secret file cannot be read
        return Resultat(Etat.JETON_ABSENT, message=str(exc))
    if service is None:
        return Resultat(
            Etat.JETON_ABSENT,
            message="Jeton non configuré : DATAETAT_DATA_SUBVENTION_JETON (ou _JETON_FICHIER) est vide.",
        )
    try:
        with Client(service, services.reglages(settings), creneaux) as client:
            rows = client.get_json(path, modele=Applications).root
    except errors.NonTrouve:
        return Resultat(Etat.AUCUNE)
    except errors.RequeteRefusee as exc:
        if exc.statut == 422 or "pas une association" in str(exc):
            return Resultat(Etat.PAS_ASSOCIATION, message=str(exc))
        return Resultat(Etat.REFUSEE, message=str(exc))
    except errors.JetonRefuse as exc:
        return Resultat(Etat.JETON_REFUSE, message=str(exc))
    except errors.NonDiffusible as exc:
        return Resultat(Etat.NON_DIFFUSIBLE, message=str(exc))
    except (errors.ServiceIndisponible, errors.ReponseInvalide) as exc:
        return Resultat(Etat.INDISPONIBLE, message=str(exc))
    return Resultat(Etat.OK if rows else Etat.AUCUNE, tuple(rows))
