"""Every finding code of the DECP validator: code -> (level, French message template).

Templates use {champ}, {valeur} and {detail}. Codes are stable: tools that read the JSON report
match on them (docs/decp.md lists them; a test checks the list is documented)."""

from __future__ import annotations

from typing import Literal

Niveau = Literal["erreur", "avertissement"]

CODES: dict[str, tuple[Niveau, str]] = {
    # The file as a whole
    "fichier-vide": ("erreur", "Le fichier est vide."),
    "format-inconnu": ("erreur", "Format de fichier non reconnu : {detail}"),
    "json-invalide": ("erreur", "JSON illisible : {detail}"),
    "xml-invalide": ("erreur", "XML illisible : {detail}"),
    "racine-invalide": (
        "erreur",
        "Structure du fichier invalide : {detail}",
    ),
    "aucun-enregistrement": (
        "erreur",
        "Le fichier ne contient aucun marché ni contrat de concession.",
    ),
    "colonne-manquante": ("erreur", "Colonne obligatoire manquante : « {detail} »."),
    "tableau-illisible": ("erreur", "Fichier tabulaire (CSV ou Parquet) illisible : {detail}"),
    "fichier-trop-gros": ("erreur", "Fichier trop volumineux : {detail}"),
    "details-tronques": (
        "avertissement",
        "Plus de {detail} enregistrements ont des constats : seuls les {detail} premiers sont détaillés "
        "(les totaux comptent tout le fichier).",
    ),
    # The official schema (JSON Schema 2.0.3, XSD 2.0.2)
    "champ-manquant": ("erreur", "Champ obligatoire manquant : « {champ} »."),
    "type-invalide": ("erreur", "Type invalide pour « {champ} » : attendu {detail}, trouvé « {valeur} »."),
    "valeur-hors-liste": (
        "erreur",
        "Valeur « {valeur} » hors de la liste autorisée pour « {champ} » ({detail}).",
    ),
    "format-invalide": ("erreur", "Format invalide pour « {champ} » : « {valeur} » (attendu {detail})."),
    "montant-minimum": ("erreur", "Montant inférieur au minimum (1) : « {valeur} »."),
    "valeur-minimum": ("erreur", "Valeur de « {champ} » inférieure au minimum ({detail}) : « {valeur} »."),
    "valeur-maximum": ("erreur", "Valeur de « {champ} » supérieure au maximum ({detail}) : « {valeur} »."),
    "longueur-invalide": ("erreur", "Longueur invalide pour « {champ} » : {detail}."),
    "liste-vide": ("erreur", "La liste « {champ} » doit contenir au moins {detail} élément(s)."),
    "doublon-liste": ("erreur", "La liste « {champ} » contient deux fois la même valeur."),
    "champ-inattendu": ("erreur", "Champ inattendu : « {champ} »."),
    "schema-invalide": ("erreur", "Non conforme au schéma pour « {champ} » : {detail}."),
    # Business rules the schema cannot say
    "siret-format": (
        "avertissement",
        "« {valeur} » n'est pas un SIRET (14 chiffres) alors que le type d'identifiant est SIRET ({champ}).",
    ),
    "siret-cle": (
        "avertissement",
        "SIRET « {valeur} » invalide : la clé de contrôle (Luhn) {detail} est fausse ({champ}).",
    ),
    "cpv-inconnu": (
        "erreur",
        "Code CPV « {valeur} » inconnu : la division « {detail} » n'existe pas dans la nomenclature CPV.",
    ),
    "date-invalide": (
        "erreur",
        "Date « {valeur} » invalide pour « {champ} » (attendu AAAA-MM-JJ, une date réelle).",
    ),
    "date-future": ("erreur", "Date « {valeur} » dans le futur pour « {champ} » (aujourd'hui : {detail})."),
    "dates-ordre": ("erreur", "« {champ} » ({valeur}) est postérieure à {detail}."),
    "date-avant-modification": (
        "avertissement",
        "La modification est notifiée ({valeur}) avant le marché lui-même ({detail}).",
    ),
    "date-anterieure-format": (
        "avertissement",
        "Notifié le {valeur} : le format 2 s'applique aux contrats notifiés à partir du 1er janvier 2024.",
    ),
    "montant-sous-seuil": (
        "avertissement",
        "Montant de {detail} HT inférieur au seuil de publication obligatoire (40 000 € HT).",
    ),
    "duree-improbable": ("avertissement", "Durée de {valeur} mois improbable pour « {champ} » ({detail})."),
    "id-duplique": (
        "avertissement",
        "Identifiant « {valeur} » déjà vu pour l'acheteur {detail} dans ce fichier : enregistrement publié deux fois ?",
    ),
    "modification-ordre": (
        "erreur",
        "Identifiants de « {champ} » non croissants : {valeur} après {detail}.",
    ),
}


def niveau(code: str) -> Niveau:
    return CODES[code][0]
