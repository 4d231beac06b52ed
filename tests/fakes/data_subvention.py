"""A fake Data Subvention (betagouv/api-subventions-asso) on loopback, answering as the service does
(reference notes, data-subvention-api.md): the flat route of the subsidies of an établissement
(`/etablissement/{siret}/applications`) or an association (`/association/{rna|siren}/applications`),
a JSON list of ApplicationFlatDto; the token in the header `x-access-token` (401 when wrong or
absent); 422 `{"message": …, "code": 0}` for an identifier that is not an association (and the older
message-only shape); 404 « Association introuvable » for an unknown one; 429 with `Retry-After` and
`RateLimit` beyond `limite_par_minute`; and any canned answer a test queues (451, 5xx, a slow
answer, malformed JSON…), served before the normal answer.

    with serveur_data_subvention() as fake:
        fake.applications["77774350100044"] = [application(ej="1234567890")]
        fake.file_attente["77774350100044"] = [Reponse(429, entetes={"Retry-After": "1"})]
        Settings(data_subvention_url=fake.url, data_subvention_jeton=fake.jeton)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.serveur import Reponse, Requete, ServeurLocal

JETON = "jeton-de-test-data-subvention"
ASSOCIATION = "77774350100044"  # the reference's e2e SIRETs (DEB tests_e2e)
PAS_ASSOCIATION = "54210780003943"
INCONNU = "77774350100043"
NOT_ASSOCIATION = "Votre recherche pointe vers une entité qui n'est pas une association"
ROUTE = re.compile(r"^/(etablissement|association)/([^/]+)/applications$")


def application(**champs: Any) -> dict[str, Any]:
    """An ApplicationFlatDto as the service sends it (after DS-A `examples/Grants.ts`), fields
    overridden by `champs`."""
    base: dict[str, Any] = {
        "idUnique": "lca-123456789-2023-001-2023",
        "idJointure": "N/A",
        "ej": "1234567890",
        "idVersement": "N/A",
        "nomAttribuant": "Direction régionale académique (DRAJES)",
        "typeIdAttribuant": "siret",
        "idAttribuant": "13001234500017",
        "nomServiceInstructeur": "DRAJES Bretagne",
        "idServiceInstructeur": "13001234500017",
        "typeIdServiceInstructeur": "siret",
        "typeIdEtablissementBeneficiaire": "siret",
        "idEtablissementBeneficiaire": ASSOCIATION,
        "typeIdEntrepriseBeneficiaire": "siren",
        "idEntrepriseBeneficiaire": ASSOCIATION[:9],
        "fournisseur": "LeCompteAsso",
        "dateMiseAJour": "2025-01-15T00:00:00.000Z",
        "idSubvention": "lca-123456789-2023-001",
        "idSubventionProvider": "123456789",
        "statutLabel": "Accordé",
        "pluriannualite": False,
        "anneesPluriannualite": "N/A",
        "anneeDemande": None,
        "dateDecision": "2023-02-23T00:00:00.000Z",
        "dateDepotDemande": "2023-01-15T00:00:00.000Z",
        "dateConvention": "N/A",
        "referenceDecision": "N/A",
        "dispositif": "FDVA - Fonctionnement et innovation",
        "sousDispositif": "Fonctionnement",
        "objet": "Animation du réseau des bénévoles",
        "nature": "Aide en numéraire",
        "conditionsVersements": "N/A",
        "montantTotal": 20000,
        "montantDemande": 20000,
        "montantAccorde": 15000,
        "exerciceBudgetaire": 2023,
    }
    return base | champs


@dataclass
class FakeDataSubvention:
    url: str = ""
    jeton: str = JETON
    applications: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # identifier → rows
    pas_associations: set[str] = field(default_factory=lambda: {PAS_ASSOCIATION})  # 422 with code 0
    pas_associations_sans_code: set[str] = field(default_factory=set)  # 422, message only (older shape)
    file_attente: dict[str, list[Reponse]] = field(default_factory=dict)  # canned answers, first first
    limite_par_minute: int | None = None  # the service's rate limit (20 there); None: off
    serveur: ServeurLocal | None = None
    _fenetre: list[float] = field(default_factory=list)
    _verrou: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requetes(self) -> list[Requete]:
        return self.serveur.requetes if self.serveur else []

    def appels(self, identifiant: str) -> int:
        return sum(1 for r in self.requetes if f"/{identifiant}/" in r.chemin)

    def __call__(self, requete: Requete) -> Reponse:
        match = ROUTE.match(requete.chemin)
        identifiant = match.group(2) if match else ""
        with self._verrou:
            queued = self.file_attente.get(identifiant)
            if queued:
                return queued.pop(0)
            if self.limite_par_minute is not None:
                now = time.monotonic()
                self._fenetre[:] = [t for t in self._fenetre if now - t < 60]
                if len(self._fenetre) >= self.limite_par_minute:
                    retry = int(60 - (now - self._fenetre[0])) + 1
                    return Reponse(
                        429,
                        {"message": "Too many requests, please try again later."},
                        entetes={
                            "Retry-After": str(retry),
                            "RateLimit": f"limit={self.limite_par_minute}, remaining=0, reset={retry}",
                        },
                    )
                self._fenetre.append(now)
        if requete.entetes.get("x-access-token") != self.jeton:
            return Reponse(401, {"message": "JWT invalide ou absent"})
        if match is None:
            return Reponse(404, {"message": "Not found"})
        if identifiant in self.pas_associations:
            return Reponse(422, {"message": NOT_ASSOCIATION, "code": 0})
        if identifiant in self.pas_associations_sans_code:
            return Reponse(422, {"message": "Ce SIRET n'est pas une association"})
        if identifiant not in self.applications:
            return Reponse(404, {"message": "Association introuvable"})
        return Reponse(200, self.applications[identifiant])


@contextmanager
def serveur_data_subvention(fake: FakeDataSubvention | None = None) -> Iterator[FakeDataSubvention]:
    """The fake served on a free loopback port for the block; stopped (thread joined) after it."""
    fake = fake or FakeDataSubvention()
    with ServeurLocal(fake) as serveur:
        fake.serveur, fake.url = serveur, serveur.url
        yield fake
