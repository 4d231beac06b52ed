"""Tags: `type` or `type:valeur` labels of public policy carried by financial lines.

The known types, with their French label and what they mean; a tag whose type is unknown keeps its
code as label. Rules that apply tags come with the tagging issue; `cp-orphelin` is set by the
read model (a payment whose commitment is not known yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The code of a tag, for rules and manual tag files alike: `type` or `type:valeur`.
TAG_CODE = re.compile(r"[a-z0-9][a-z0-9-]*(:[a-z0-9][a-z0-9._-]*)?")
MAX_TAG = 60


def valid_tag(code: str) -> bool:
    return len(code) <= MAX_TAG and TAG_CODE.fullmatch(code) is not None


@dataclass(frozen=True)
class TagType:
    type: str
    label: str
    description: str


TAG_TYPES: tuple[TagType, ...] = (
    TagType("cp-orphelin", "CP sans engagement", "Paiement dont l'engagement (AE) n'est pas encore importé."),
    TagType(
        "fonds-vert", "Fonds vert", "Fonds d'accélération de la transition écologique dans les territoires."
    ),
    TagType("relance", "France Relance", "Plan de relance 2020-2022."),
    TagType("france-2030", "France 2030", "Plan d'investissement France 2030."),
    TagType("cper", "CPER", "Contrat de plan État-région (valeur : la période, ex. 2021-27)."),
    TagType("detr", "DETR", "Dotation d'équipement des territoires ruraux."),
    TagType("dsil", "DSIL", "Dotation de soutien à l'investissement local."),
    TagType("pvd", "Petites villes de demain", "Programme Petites villes de demain."),
    TagType("acv", "Action cœur de ville", "Programme Action cœur de ville."),
    TagType(
        "reconcilie-ds",
        "Rapproché Démarches simplifiées",
        "Ligne rapprochée d'un dossier Démarches simplifiées.",
    ),
)
BY_TYPE = {t.type: t for t in TAG_TYPES}


def label(code: str) -> str:
    """French label of a tag code: `cper:2021-27` → "CPER 2021-27"; an unknown type keeps its code."""
    kind, _, value = code.partition(":")
    known = BY_TYPE.get(kind)
    if known is None:
        return code
    return f"{known.label} {value}" if value else known.label


def with_labels(tags: str | None) -> list[dict[str, str]]:
    """A line's stored tags (space-separated codes) → [{"code", "label"}], in stored order."""
    return [{"code": code, "label": label(code)} for code in (tags or "").split()]
