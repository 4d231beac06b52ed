"""Import problems: one stable code per problem, a French message, collected into a report.

A problem is data, not an exception: the reader goes on and the report lists every problem with
file, line, column and value. `FileUnreadable` is raised only when nothing more can be read.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Literal

Level = Literal["erreur", "avertissement"]

# code -> (level, French template). Templates may use {colonne} {valeur} {detail}.
CATALOGUE: dict[str, tuple[Level, str]] = {
    "fichier-vide": ("erreur", "Le fichier est vide."),
    "fichier-non-texte": ("erreur", "Ce n'est pas un fichier texte CSV ({detail})."),
    "encodage-invalide": (
        "erreur",
        "Le fichier n'est pas encodé en UTF-8 ({detail}). Réenregistrez-le en UTF-8.",
    ),
    "format-inconnu": ("erreur", "Format de fichier non reconnu : {detail}"),
    "separateur-invalide": ("erreur", "Séparateur inattendu : {detail}"),
    "colonne-manquante": ("erreur", "Colonne manquante : « {colonne} »."),
    "colonne-inattendue": ("erreur", "Colonne inattendue : « {valeur} »."),
    "type-fichier-inattendu": ("erreur", "{detail}"),
    "fichier-en-double": ("erreur", "Fichier donné deux fois : {detail} (ses montants compteraient double)."),
    "aucune-ligne": ("erreur", "Le fichier ne contient aucune ligne de données (en-tête seul)."),
    "nombre-colonnes": ("erreur", "La ligne a {detail} (« {valeur} »)."),
    "ligne-trop-longue": (
        "erreur",
        "Ligne trop longue ({detail}) : le fichier n'est pas un export Chorus valide.",
    ),
    "fichier-tronque": (
        "erreur",
        "Fichier tronqué : un champ entre guillemets n'est jamais refermé ({detail}).",
    ),
    "valeur-manquante": ("erreur", "Valeur obligatoire manquante dans la colonne « {colonne} »."),
    "montant-invalide": ("erreur", "Montant illisible « {valeur} » dans la colonne « {colonne} »."),
    "date-invalide": (
        "erreur",
        "Date illisible « {valeur} » dans la colonne « {colonne} » (attendu jj.mm.aaaa).",
    ),
    "entier-invalide": (
        "erreur",
        "Nombre entier attendu dans la colonne « {colonne} », trouvé « {valeur} ».",
    ),
    "exercice-manquant": ("erreur", "{detail}"),
    "region-manquante": ("erreur", "{detail}"),
    "societe-inconnue": (
        "erreur",
        "Société Chorus « {valeur} » inconnue : impossible d'en déduire la région.",
    ),
    "siret-invalide": (
        "avertissement",
        "« {valeur} » n'est pas un SIRET (14 chiffres) : ligne gardée sans bénéficiaire.",
    ),
    "code-inconnu": (
        "avertissement",
        "Code absent du référentiel {colonne} : « {valeur} » (gardé tel quel, {detail}).",
    ),
    "montant-ae-modifie": (
        "avertissement",
        "{valeur} : montant engagé positif différent selon l'exercice ({detail}) ; seul celui du dernier "
        "exercice compte, avec les corrections négatives de chaque exercice.",
    ),
    "erreurs-tronquees": ("avertissement", "{detail}"),
    # Other sources (ADEME, France 2030, QPV, PVD/ACV, SIRET → QPV, étiquettes manuelles)
    "valeur-invalide": ("erreur", "Valeur « {valeur} » refusée dans la colonne « {colonne} » : {detail}."),
    "date-invalide-format": (
        "erreur",
        "Date illisible « {valeur} » dans la colonne « {colonne} » (attendu {detail}).",
    ),
    "region-inconnue": (
        "erreur",
        "Région « {valeur} » inconnue (colonne « {colonne} ») : attendu le nom d'une région du référentiel, par exemple « Pays de la Loire ».",
    ),
    "qpv-invalide": (
        "erreur",
        "Code QPV « {valeur} » invalide dans la colonne « {colonne} » : attendu QP… (découpage 2015) ou QN… (découpage 2024).",
    ),
    "ej-inconnu": (
        "avertissement",
        "Engagement juridique « {valeur} » pas encore importé : la ligne est gardée et s'appliquera quand l'EJ sera importé.",
    ),
    "tag-invalide": (
        "erreur",
        "Étiquette « {valeur} » invalide dans la colonne « {colonne} » : attendu type ou type:valeur, en "
        "lettres minuscules sans accent, chiffres et tirets (60 caractères au plus).",
    ),
    "ligne-en-double": ("erreur", "{colonne} « {valeur} » déjà présent ligne {detail} du fichier."),
    "siret-ligne-ignoree": (
        "avertissement",
        "« {valeur} » n'est pas un SIRET (14 chiffres) : ligne ignorée.",
    ),
    "geometrie-invalide": ("erreur", "Géométrie illisible pour le quartier « {valeur} » : {detail}."),
    "projection-invalide": ("erreur", "{detail}"),
    # Hostile or damaged files (issue 15)
    "lignes-non-lues": (
        "erreur",
        "Lignes non lues : {detail}. Le fichier est refusé pour qu'aucune ligne ne soit perdue.",
    ),
    "montant-trop-grand": (
        "erreur",
        "Montant « {valeur} » trop grand dans la colonne « {colonne} » : au plus 16 chiffres avant la virgule.",
    ),
    "somme-trop-grande": (
        "erreur",
        "La somme des montants {detail} dépasse 9 999 999 999 999 999,99 € (colonne « {colonne} », "
        "montant « {valeur} »).",
    ),
    "montant-decimales": (
        "erreur",
        "Montant « {valeur} » avec plus de deux décimales dans la colonne « {colonne} » : "
        "les montants sont au centime, arrondissez-le dans le fichier.",
    ),
    "caractere-nul": (
        "erreur",
        "Caractère nul (octet 0x00) dans la colonne « {colonne} » (« {valeur} ») : le fichier est abîmé "
        "ou n'est pas un fichier texte.",
    ),
    "caractere-controle": (
        "avertissement",
        "Caractère de contrôle (invisible) remplacé par une espace dans la colonne « {colonne} » : « {valeur} ».",
    ),
    "annee-hors-limites": ("erreur", "Année « {valeur} » refusée : {detail}."),
    "region-invalide": ("erreur", "Région « {valeur} » refusée : {detail}."),
    "fichier-trop-gros": ("erreur", "{detail}"),
    "imbrication-trop-profonde": ("erreur", "{detail}"),
    # Public procurement (DECP: `dataetat import decp`)
    "decp-nettoyage": (
        "avertissement",
        "Règle de nettoyage « {valeur} » (colonne « {colonne} ») : {detail}.",
    ),
    "decp-ignore": ("avertissement", "{detail}."),
    "decp-avertissement": ("avertissement", "Champ « {colonne} » : {detail}."),
    "decp-invalide": ("erreur", "Enregistrement invalide, champ « {colonne} » : {detail}."),
}

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    code: str
    fichier: str
    ligne: int | None = None
    colonne: str | None = None
    valeur: str | None = None
    detail: str | None = None

    @property
    def niveau(self) -> Level:
        return CATALOGUE[self.code][0]

    @property
    def message(self) -> str:
        template = CATALOGUE[self.code][1]
        return template.format(colonne=self.colonne, valeur=_short(self.valeur), detail=self.detail)

    def describe(self) -> str:
        where = self.fichier + (f", ligne {self.ligne}" if self.ligne else "")
        return f"{where} : {self.message}"

    def as_dict(self) -> dict:
        return asdict(self) | {"niveau": self.niveau, "message": self.message}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_VALUE_SHOWN = 200


def _safe(value: str) -> str:
    """A value as a report keeps it: control characters replaced by a space, 200 characters at most."""
    if len(value) > MAX_VALUE_SHOWN:
        value = value[:MAX_VALUE_SHOWN] + "…"
    return _CONTROL.sub(" ", value)


def _short(value: str | None, limit: int = 80) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + "…"


@dataclass
class Report:
    """What an import found and did, per file; numbers a comptable can check against Chorus."""

    fichier: str
    format: str | None = None
    kind: str | None = None
    lignes_lues: int = 0
    lignes_rejetees: int = 0
    lignes_importees: int = 0
    somme_ae: Decimal = Decimal(0)
    somme_cp: Decimal = Decimal(0)
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    codes_inconnus: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, **kw) -> None:
        if kw.get("valeur") is not None:  # shown, stored as JSON (PostgreSQL refuses NUL): made safe
            kw["valeur"] = _safe(str(kw["valeur"]))
        problem = Problem(code, self.fichier, **kw)
        if problem.niveau == "erreur":
            self.error_count += 1
        else:
            self.warning_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def count(self, code: str, n: int) -> None:
        """Count `n` more problems of `code` without detailing them (beyond the detailed ones)."""
        if CATALOGUE[code][0] == "erreur":
            self.error_count += n
        else:
            self.warning_count += n

    def rename(self, fichier: str) -> None:
        """Name the file as the user knows it (an upload is saved under a name safe for the disk)."""
        self.fichier = fichier
        self.problems = [replace(p, fichier=fichier) for p in self.problems]

    def restart(self) -> None:
        """Forget what reading found, to read the file again (detection had found no problem)."""
        self.lignes_lues = self.lignes_rejetees = self.error_count = self.warning_count = 0
        self.problems.clear()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.niveau == "erreur"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.niveau == "avertissement"]

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def triples(self) -> list[tuple[int | None, str | None, str]]:
        """Compact form for golden tests: [(line, column, code), …]."""
        return [(p.ligne, p.colonne, p.code) for p in self.problems]

    def as_dict(self) -> dict:
        shown = len(self.problems)
        total = self.error_count + self.warning_count
        return {
            "fichier": self.fichier,
            "format": self.format,
            "type": self.kind,
            "lignes_lues": self.lignes_lues,
            "lignes_importees": self.lignes_importees,
            "lignes_rejetees": self.lignes_rejetees,
            "somme_ae": float(self.somme_ae),
            "somme_cp": float(self.somme_cp),
            "erreurs": self.error_count,
            "avertissements": self.warning_count,
            "problemes": [p.as_dict() for p in self.problems],
            "problemes_non_affiches": total - shown,
            "codes_inconnus": self.codes_inconnus,
        }


class FileUnreadable(Exception):
    """The file cannot be read at all; the report already holds the reason."""

    def __init__(self, report: Report):
        super().__init__("; ".join(p.describe() for p in report.errors))
        self.report = report
