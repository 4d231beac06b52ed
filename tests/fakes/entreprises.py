"""Fake Recherche d'entreprises and API Entreprise, answering as the services do (shapes from their
documentation: docs/connecteurs.md), on a real loopback server (serveur.py).

    faux = FauxEntreprises({"85129663200017": Etablissement(nom="ATLAS", commune="35238", ...)})
    with faux.recherche() as re_serveur, faux.api_entreprise(jeton="j") as ae_serveur:
        ...  # point DATAETAT_RECHERCHE_ENTREPRISES_URL / DATAETAT_API_ENTREPRISE_URL at their .url

- Recherche d'entreprises `GET /search?q=<siret>`: the unit with the établissement in
  `matching_etablissements`; an unknown or non-diffusible SIRET gives no result (200, empty list);
  a `q` shorter than 3 characters gives 400 {"erreur": …}.
- API Entreprise `GET /v3/insee/sirene/etablissements/<siret>`: 401 without the right bearer token,
  422 without context/recipient/object or with a malformed SIRET, 404 unknown, 451 non-diffusible,
  else {data, links, meta}.
- `limite=(n, seconds)`: more than n requests in the last `seconds` → 429 with Retry-After (as the
  real services; a client that respects the rate never sees it).
- `forcer[siret] = Reponse(...)` forces one SIRET's answer (5xx, 429, malformed JSON, a delay);
  `panne = Reponse(...)` forces every answer (a service down) until set back to None.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from tests.fakes.serveur import Reponse, Requete, ServeurLocal

# API Entreprise's `forme_juridique.libelle` of a few codes (INSEE nomenclature, level III).
FORMES_JURIDIQUES = {
    "7210": "Commune et commune nouvelle",
    "7220": "Département",
    "9220": "Association déclarée",
}


@dataclass
class Etablissement:
    nom: str
    commune: str | None = None
    naf: str = "94.99Z"
    nature_juridique: str = "9220"
    latitude: float | None = None
    longitude: float | None = None
    siege: bool = True
    etat: str = "A"
    date_fermeture: str | None = None
    enseigne: str | None = None
    tranche: str | None = "11"
    adresse: str | None = None
    non_diffusible: bool = False


class FauxEntreprises:
    def __init__(self, etablissements: dict[str, Etablissement], limite: tuple[int, float] | None = None):
        self.etablissements = etablissements
        self.limite = limite
        self.forcer: dict[str, Reponse] = {}
        self.panne: Reponse | None = None
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self.refus_429 = 0

    # --- servers -----------------------------------------------------------------------

    def recherche(self) -> ServeurLocal:
        return ServeurLocal(self._guard(self._recherche))

    def api_entreprise(self, jeton: str) -> ServeurLocal:
        return ServeurLocal(self._guard(lambda r: self._api_entreprise(r, jeton)))

    def _guard(self, answer):
        def repondre(requete: Requete) -> Reponse:
            if self.panne is not None:
                return self.panne
            if self.limite and self._over_limit():
                return Reponse(429, {"erreur": "Trop de requêtes"}, entetes={"Retry-After": "1"})
            return answer(requete)

        return repondre

    def _over_limit(self) -> bool:
        n, seconds = self.limite
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= seconds:
                self._recent.popleft()
            if len(self._recent) >= n:
                self.refus_429 += 1
                return True
            self._recent.append(now)
            return False

    # --- Recherche d'entreprises -----------------------------------------------------------

    def _recherche(self, requete: Requete) -> Reponse:
        if requete.chemin != "/search":
            return Reponse(404, {"erreur": "Not found"})
        q = requete.query.get("q", "")
        if len(q) < 3:
            return Reponse(400, {"erreur": "Veuillez indiquer au moins un paramètre de recherche."})
        if q in self.forcer:
            return self.forcer[q]
        etab = self.etablissements.get(q)
        if etab is None or etab.non_diffusible:  # not exposed by the open service
            return Reponse(
                json={"results": [], "total_results": 0, "page": 1, "per_page": 1, "total_pages": 0}
            )
        e = {
            "siret": q,
            "est_siege": etab.siege,
            "etat_administratif": etab.etat,
            "commune": etab.commune,
            "libelle_commune": None,
            "departement": etab.commune[:2] if etab.commune else None,
            "latitude": None if etab.latitude is None else str(etab.latitude),
            "longitude": None if etab.longitude is None else str(etab.longitude),
            "adresse": etab.adresse,
            "activite_principale": etab.naf,
            "date_creation": "2000-01-01",
            "date_fermeture": etab.date_fermeture,
            "tranche_effectif_salarie": etab.tranche,
            "liste_enseignes": [etab.enseigne] if etab.enseigne else None,
        }
        unite = {
            "siren": q[:9],
            "nom_complet": etab.nom,
            "nom_raison_sociale": etab.nom,
            "sigle": None,
            "nature_juridique": etab.nature_juridique,
            "activite_principale": etab.naf,
            "etat_administratif": "A",
            "complements": {"est_association": etab.nature_juridique.startswith("92")},
            "matching_etablissements": [e],
        }
        return Reponse(
            json={"results": [unite], "total_results": 1, "page": 1, "per_page": 1, "total_pages": 1}
        )

    # --- API Entreprise v3 -----------------------------------------------------------------

    def _api_entreprise(self, requete: Requete, jeton: str) -> Reponse:
        prefix = "/v3/insee/sirene/etablissements/"
        if not requete.chemin.startswith(prefix):
            return Reponse(404, _ae_error("00404", "Not found"))
        if requete.entetes.get("authorization") != f"Bearer {jeton}":
            return Reponse(
                401, _ae_error("00101", "Interdit", "Votre token n'est pas valide ou n'est pas renseigné")
            )
        if not all(requete.query.get(k) for k in ("context", "recipient", "object")):
            return Reponse(
                422, _ae_error("00201", "Paramètre manquant", "context, recipient et object sont requis")
            )
        siret = requete.chemin[len(prefix) :]
        if not (siret.isdigit() and len(siret) == 14):
            return Reponse(
                422, _ae_error("00302", "Entité non processable", "Le numéro de siret n'est pas correct")
            )
        if siret in self.forcer:
            return self.forcer[siret]
        etab = self.etablissements.get(siret)
        if etab is None:
            return Reponse(404, _ae_error("37001", "Entité non trouvée", "Le siret indiqué n'existe pas"))
        if etab.non_diffusible:
            return Reponse(451, _ae_error("04501", "Non diffusible", "Unité non diffusible", retry_in=None))
        data = {
            "siret": siret,
            "siege_social": etab.siege,
            "etat_administratif": etab.etat,
            "date_creation": 946684800,
            "date_fermeture": None,
            "activite_principale": {"code": etab.naf, "libelle": "x", "nomenclature": "NAFRev2"},
            "tranche_effectif_salarie": {"code": etab.tranche, "intitule": "x", "de": 10, "a": 19},
            "enseigne": etab.enseigne,
            "unite_legale": {
                "siren": siret[:9],
                "siret_siege_social": siret,
                "type": "personne_morale",
                "personne_morale_attributs": {"raison_sociale": etab.nom, "sigle": None},
                "personne_physique_attributs": {},
                "forme_juridique": {
                    "code": etab.nature_juridique,
                    "libelle": FORMES_JURIDIQUES.get(etab.nature_juridique),
                },
            },
            "adresse": {
                "code_commune": etab.commune,
                "code_postal": None,
                "acheminement_postal": {"l1": etab.nom, "l4": etab.adresse, "l6": None, "l7": "FRANCE"},
            },
        }
        return Reponse(json={"data": data, "links": {}, "meta": {"date_derniere_mise_a_jour": 1700000000}})


def _ae_error(code: str, title: str, detail: str | None = None, retry_in=None) -> dict:
    return {
        "errors": [{"code": code, "title": title, "detail": detail or title, "meta": {"provider": "INSEE"}}]
    }
