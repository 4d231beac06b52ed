"""Business rules the schema cannot say, on one record already in the JSON shape (an XML record is
converted to it first): SIRET/SIREN keys, CPV division, real and ordered dates, the publication
threshold, a plausible duration, one `id` per buyer, increasing modification ids.

`Regles` keeps the little state the file needs (the (buyer, id) pairs seen), so one instance
checks one file. Severity: what is certainly wrong is an error (an impossible or future date, a
notification after its publication, decreasing ids, an unknown CPV division); what is only
suspicious is a warning (a SIRET key or length — the schema lets titulaires carry any text, and
identifiers of special establishments fail the key; an amount under the threshold; a long
duration; an id seen twice for one buyer — the official examples themselves repeat one; a
modification notified before its marché)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from dataetat.decp.validation.rapport import Constat, constat
from dataetat.decp.validation.schema_json import champ, pointeur
from dataetat.model.format_fr import euros

# The 45 divisions (two first digits) of the CPV 2008 nomenclature (Regulation (EC) No 213/2008).
CPV_DIVISIONS = frozenset(
    "03 09 14 15 16 18 19 22 24 30 31 32 33 34 35 37 38 39 41 42 43 44 45 48 50 51 55 60 63 64 65 66 "
    "70 71 72 73 75 76 77 79 80 85 90 92 98".split()
)
SEUIL_PUBLICATION = 40_000
DEBUT_FORMAT_2 = date(2024, 1, 1)
LA_POSTE_SIREN = "356000000"  # its establishments' SIRETs follow another key (sum of digits % 5)
DUREE_MAX = {"marche": 120, "contrat-concession": 600}  # months before a warning
DUREE_MAX_PARTENARIAT = 600
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_DIGITS14 = re.compile(r"^[0-9]{14}$")

# Per kind: (list key, wrapper key, notification field, publication field) of the dated sub-objects.
_SOUS_DATES = {
    "marche": (
        (
            "modifications",
            "modification",
            "dateNotificationModification",
            "datePublicationDonneesModification",
        ),
        ("actesSousTraitance", "acteSousTraitance", "dateNotification", "datePublicationDonnees"),
        (
            "modificationsActesSousTraitance",
            "modificationActeSousTraitance",
            "dateNotificationModificationSousTraitance",
            "datePublicationDonnees",
        ),
    ),
    "contrat-concession": (
        ("modifications", "modification", "dateSignatureModification", "datePublicationDonneesModification"),
    ),
}
_DATE_PRINCIPALE = {"marche": "dateNotification", "contrat-concession": "dateSignature"}
_ACHETEUR = {"marche": "acheteur", "contrat-concession": "autoriteConcedante"}
_PARTIES = {
    "marche": ("titulaires", "titulaire"),
    "contrat-concession": ("concessionnaires", "concessionnaire"),
}


_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def cle_luhn(digits: str) -> bool:
    """The Luhn key of a string of digits (the SIREN's and the SIRET's)."""
    total = sum(map(int, digits[-1::-2])) + sum(map(_DOUBLE.__getitem__, map(int, digits[-2::-2])))
    return total % 10 == 0


@lru_cache(maxsize=1 << 16)
def siret_cle_fausse(siret: str) -> str | None:
    """None when the 14-digit SIRET's keys are right, else which key is wrong (« du SIREN »…)."""
    if siret[:9] == LA_POSTE_SIREN:
        return None if sum(ord(c) - 48 for c in siret) % 5 == 0 else "du SIRET"
    if not cle_luhn(siret[:9]):
        return "du SIREN"
    if not cle_luhn(siret):
        return "du SIRET"
    return None


def lire_date(value: Any) -> date | None:
    """The date of an `AAAA-MM-JJ` text (an xs:date time zone suffix is tolerated), else None."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


class Regles:
    """The business checks of one file."""

    def __init__(self, aujourd_hui: date | None = None) -> None:
        self.aujourd_hui = aujourd_hui or date.today()
        self._vus: set[int] = set()

    def constats(self, kind: str, record: Any, base: str) -> list[Constat]:
        if not isinstance(record, dict):
            return []  # the schema already said it is not an object
        out: list[Constat] = []
        self._identifiants(kind, record, base, out)
        if kind == "marche":
            self._cpv(record, base, out)
        self._dates(kind, record, base, out)
        self._montant_duree(kind, record, base, out)
        self._doublon(kind, record, base, out)
        self._ordre_ids(record, base, out)
        return out

    # SIRET keys -------------------------------------------------------------------------------
    def _identifiants(self, kind: str, record: dict, base: str, out: list[Constat]) -> None:
        acheteur = record.get(_ACHETEUR[kind])
        if isinstance(acheteur, dict):
            self._siret(acheteur.get("id"), [_ACHETEUR[kind], "id"], base, out, format_du_schema=True)
        liste, cle = _PARTIES[kind]
        self._parties(record.get(liste), [liste], cle, base, out)
        for i, item in _items(record.get("modifications"), "modification"):
            self._parties(item.get(liste), ["modifications", i, "modification", liste], cle, base, out)
        for i, item in _items(record.get("actesSousTraitance"), "acteSousTraitance"):
            st = item.get("sousTraitant")
            if isinstance(st, dict) and st.get("typeIdentifiant") == "SIRET":
                path = ["actesSousTraitance", i, "acteSousTraitance", "sousTraitant", "id"]
                self._siret(st.get("id"), path, base, out)

    def _parties(self, liste: Any, prefix: list, cle: str, base: str, out: list[Constat]) -> None:
        for i, partie in _items(liste, cle):
            if partie.get("typeIdentifiant") == "SIRET":
                self._siret(partie.get("id"), [*prefix, i, cle, "id"], base, out)

    def _siret(self, value: Any, path: list, base: str, out: list[Constat], format_du_schema=False) -> None:
        if not isinstance(value, str):
            return
        if not _DIGITS14.match(value):
            if not format_du_schema:  # the acheteur's pattern is the schema's: said once, there
                out.append(constat("siret-format", pointeur(base, path), champ(path), value))
            return
        wrong = siret_cle_fausse(value)
        if wrong:
            out.append(constat("siret-cle", pointeur(base, path), champ(path), value, wrong))

    # CPV --------------------------------------------------------------------------------------
    def _cpv(self, record: dict, base: str, out: list[Constat]) -> None:
        code = record.get("codeCPV")
        if isinstance(code, str) and len(code) >= 2 and code[:2].isdigit() and code[:2] not in CPV_DIVISIONS:
            out.append(constat("cpv-inconnu", pointeur(base, ["codeCPV"]), "codeCPV", code, code[:2]))

    # Dates ------------------------------------------------------------------------------------
    def _dates(self, kind: str, record: dict, base: str, out: list[Constat]) -> None:
        principale = _DATE_PRINCIPALE[kind]
        debut = self._paire(record, [], principale, "datePublicationDonnees", base, out)
        if kind == "contrat-concession":
            self._date(record, [], "dateDebutExecution", base, out, futur_permis=True)
        if debut is not None and debut < DEBUT_FORMAT_2:
            out.append(
                constat("date-anterieure-format", pointeur(base, [principale]), principale, debut.isoformat())
            )
        for liste, cle, notif, publi in _SOUS_DATES[kind]:
            for i, item in _items(record.get(liste), cle):
                d = self._paire(item, [liste, i, cle], notif, publi, base, out)
                if liste == "modifications" and d is not None and debut is not None and d < debut:
                    path = [liste, i, cle, notif]
                    out.append(
                        constat(
                            "date-avant-modification",
                            pointeur(base, path),
                            champ(path),
                            d.isoformat(),
                            debut.isoformat(),
                        )
                    )
        for i, item in _items(record.get("donneesExecution"), "donneesAnnuelles"):
            self._date(
                item,
                ["donneesExecution", i, "donneesAnnuelles"],
                "datePublicationDonneesExecution",
                base,
                out,
            )

    def _paire(
        self, obj: dict, prefix: list, notif: str, publi: str, base: str, out: list[Constat]
    ) -> date | None:
        """Check a (notification, publication) pair of dates; returns the notification date."""
        d_notif = self._date(obj, prefix, notif, base, out)
        d_publi = self._date(obj, prefix, publi, base, out)
        if d_notif and d_publi and d_notif > d_publi:
            path = [*prefix, notif]
            out.append(
                constat(
                    "dates-ordre",
                    pointeur(base, path),
                    champ(path),
                    d_notif.isoformat(),
                    f"« {publi} » ({d_publi.isoformat()})",
                )
            )
        return d_notif

    def _date(self, obj: dict, prefix: list, name: str, base: str, out: list[Constat], futur_permis=False):
        value = obj.get(name)
        if value is None or not isinstance(value, str):
            return None  # missing or mistyped: the schema says it
        path = [*prefix, name]
        d = lire_date(value)
        if d is None:
            out.append(constat("date-invalide", pointeur(base, path), champ(path), value))
        elif d > self.aujourd_hui and not futur_permis:
            out.append(
                constat("date-future", pointeur(base, path), champ(path), value, self.aujourd_hui.isoformat())
            )
            return None
        return d

    # Amount and duration ----------------------------------------------------------------------
    def _montant_duree(self, kind: str, record: dict, base: str, out: list[Constat]) -> None:
        montant = record.get("montant")
        if kind == "marche" and _nombre(montant) and 1 <= montant < SEUIL_PUBLICATION:
            out.append(
                constat(
                    "montant-sous-seuil",
                    pointeur(base, ["montant"]),
                    "montant",
                    montant,
                    euros(montant, centimes_nuls=False),
                )
            )
        limite = DUREE_MAX[kind]
        if record.get("nature") == "Marché de partenariat":
            limite = DUREE_MAX_PARTENARIAT
        self._duree(record.get("dureeMois"), ["dureeMois"], limite, base, out)
        for i, item in _items(record.get("modifications"), "modification"):
            self._duree(
                item.get("dureeMois"), ["modifications", i, "modification", "dureeMois"], limite, base, out
            )

    def _duree(self, value: Any, path: list, limite: int, base: str, out: list[Constat]) -> None:
        if _nombre(value) and value > limite:
            out.append(
                constat(
                    "duree-improbable", pointeur(base, path), champ(path), value, f"plus de {limite} mois"
                )
            )

    # One id per buyer, increasing sub-ids -----------------------------------------------------
    def _doublon(self, kind: str, record: dict, base: str, out: list[Constat]) -> None:
        acheteur = record.get(_ACHETEUR[kind])
        ident = record.get("id")
        if not isinstance(acheteur, dict) or ident is None:
            return
        key = hash((kind, str(acheteur.get("id")), str(ident)))
        if key in self._vus:
            out.append(constat("id-duplique", pointeur(base, ["id"]), "id", ident, str(acheteur.get("id"))))
        else:
            self._vus.add(key)

    def _ordre_ids(self, record: dict, base: str, out: list[Constat]) -> None:
        for liste, cle in (
            ("modifications", "modification"),
            ("actesSousTraitance", "acteSousTraitance"),
            ("modificationsActesSousTraitance", "modificationActeSousTraitance"),
        ):
            previous = None
            for i, item in _items(record.get(liste), cle):
                ident = item.get("id")
                if not isinstance(ident, int) or isinstance(ident, bool):
                    continue
                if previous is not None and ident <= previous:
                    path = [liste, i, cle, "id"]
                    out.append(
                        constat("modification-ordre", pointeur(base, path), liste, ident, str(previous))
                    )
                previous = ident


def _items(liste: Any, cle: str):
    """(index, inner object) of a DECP wrapper list `[{"cle": {…}}, …]`, skipping malformed items."""
    if not liste or not isinstance(liste, list):
        return
    for i, wrapper in enumerate(liste):
        if isinstance(wrapper, dict) and isinstance(wrapper.get(cle), dict):
            yield i, wrapper[cle]


def _nombre(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
