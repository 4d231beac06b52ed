"""The validation report: findings (constats) with a stable code and a French message, grouped by
record, with the totals. Its dict form is the JSON the CLI prints and the API returns:

    {"valide", "schema", "format", "stats": {"enregistrements", "valides", "erreurs", "avertissements"},
     "enregistrements": [{"index", "type", "id", "valide", "erreurs": [...], "avertissements": [...]}],
     "erreurs_fichier": [...], "avertissements_fichier": [...]}

Only the records with at least one finding are listed (a file of 100,000 valid records is a report
of a few lines); past `max_details` of them, the totals still count but the details stop and a file
warning says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dataetat.decp.validation.codes import CODES

Niveau = Literal["erreur", "avertissement"]
SCHEMA_ID = "decp-2.0.3"  # the JSON Schema
SCHEMA_XML_ID = "decp-2.0.2-xsd"  # the XSD, for XML files
MAX_DETAILS = 10_000


@dataclass(frozen=True, slots=True)
class Constat:
    """One finding: where (`chemin`, a JSON pointer in the file; `champ`, the field inside the
    record), what (`code`, stable; `message`, French) and the value found."""

    code: str
    chemin: str
    champ: str
    valeur: Any = None
    detail: str = ""
    niveau: Niveau = "erreur"

    @property
    def message(self) -> str:
        template = CODES[self.code][1]
        return template.format(champ=self.champ, valeur=_court(self.valeur), detail=self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {
            "chemin": self.chemin,
            "champ": self.champ,
            "code": self.code,
            "message": self.message,
            "valeur": self.valeur if _scalaire(self.valeur) else _court(self.valeur),
        }


def constat(code: str, chemin: str, champ: str, valeur: Any = None, detail: str = "") -> Constat:
    """A finding at the level its code has in the catalogue."""
    return Constat(code, chemin, champ, valeur, detail, CODES[code][0])


@dataclass(slots=True)
class Resultat:
    """The findings on one record (a marché or a contrat de concession)."""

    index: int
    type: str  # "marche" | "contrat-concession" (the keys of the DECP file)
    id: Any
    constats: list[Constat] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return not any(c.niveau == "erreur" for c in self.constats)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "type": self.type,
            "id": self.id,
            "valide": self.valide,
            "erreurs": [c.as_dict() for c in self.constats if c.niveau == "erreur"],
            "avertissements": [c.as_dict() for c in self.constats if c.niveau == "avertissement"],
        }


@dataclass(slots=True)
class Rapport:
    """What `valider_fichier` returns. `valide` is true when the file could be read, holds at least
    one record and no record has an error (warnings do not make a file invalid)."""

    fichier: str = ""
    format: str = ""
    schema: str = SCHEMA_ID
    enregistrements: int = 0
    valides: int = 0
    erreurs: int = 0
    avertissements: int = 0
    details: list[Resultat] = field(default_factory=list)
    fichier_constats: list[Constat] = field(default_factory=list)
    max_details: int = MAX_DETAILS
    _tronque: bool = False

    @property
    def valide(self) -> bool:
        return (
            self.enregistrements > 0
            and self.valides == self.enregistrements
            and not any(c.niveau == "erreur" for c in self.fichier_constats)
        )

    def ajouter(self, resultat: Resultat) -> None:
        """Count one validated record (and keep its details when it has findings)."""
        self.enregistrements += 1
        nb_erreurs = sum(1 for c in resultat.constats if c.niveau == "erreur")
        self.erreurs += nb_erreurs
        self.avertissements += len(resultat.constats) - nb_erreurs
        if not nb_erreurs:
            self.valides += 1
        if resultat.constats:
            if len(self.details) < self.max_details:
                self.details.append(resultat)
            elif not self._tronque:
                self._tronque = True
                self.fichier_constats.append(
                    constat("details-tronques", "", "", detail=str(self.max_details))
                )

    def erreur_fichier(self, code: str, detail: str = "", valeur: Any = None, chemin: str = "") -> None:
        self.fichier_constats.append(constat(code, chemin, "", valeur, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "valide": self.valide,
            "schema": self.schema,
            "fichier": self.fichier,
            "format": self.format,
            "stats": {
                "enregistrements": self.enregistrements,
                "valides": self.valides,
                "erreurs": self.erreurs,
                "avertissements": self.avertissements,
            },
            "enregistrements": [r.as_dict() for r in self.details],
            "erreurs_fichier": [c.as_dict() for c in self.fichier_constats if c.niveau == "erreur"],
            "avertissements_fichier": [
                c.as_dict() for c in self.fichier_constats if c.niveau == "avertissement"
            ],
        }

    def triplets(self) -> list[tuple[int | None, str, str]]:
        """Compact (index, champ, code) triples for golden tests; file findings have index None."""
        out: list[tuple[int | None, str, str]] = [(None, c.champ, c.code) for c in self.fichier_constats]
        for r in self.details:
            out.extend((r.index, c.champ, c.code) for c in r.constats)
        return out


def _scalaire(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _court(v: Any, limite: int = 120) -> str:
    """A value shown in a message: strings as they are, anything else as JSON-ish text, cut."""
    if v is None:
        return ""
    text = v if isinstance(v, str) else repr(v) if not isinstance(v, dict | list) else _json(v)
    return text if len(text) <= limite else text[: limite - 1] + "…"


def _json(v: Any) -> str:
    import json

    return json.dumps(v, ensure_ascii=False, default=str)
