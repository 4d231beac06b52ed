"""The detail of one financial line: a page of its own (`/lignes/{id}`, a stable URL) and the same
content without the layout (`?fragment=1`) that the search table loads into a dialog. Every field
with its French label, grouped in sections; tags; the payments (CP); the imported files behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from dataetat.model import categorie_juridique
from dataetat.model.format_fr import euros
from dataetat.model.tags import BY_TYPE, with_labels
from dataetat.query import details, lookups
from dataetat.query.columns import BY_CODE
from dataetat.query.subventions import est_association
from dataetat.store.schema import SOURCE_CP
from dataetat.web.deps import CurrentIdentity, Db
from dataetat.web.pages.templating import date_fr, templates, valeur

router = APIRouter(include_in_schema=False)
LineId = Annotated[int, FastAPIPath(ge=0, le=2**63 - 1)]

# Labels of the fields the column registry does not list (or lists under a table-header label too
# short for a detail view).
_LABELS = {
    "id": "Identifiant de la ligne",
    "n_dp": "N° DP (demande de paiement)",
    "nombre_cp": "Nombre de paiements (CP)",
    "ministere_code": "Ministère",
    "compte_general": "Compte général",
    "fournisseur_code": "Fournisseur",
    "centre_couts_departement_code": "Département du centre de coûts",
    "beneficiaire_denomination": "Dénomination",
    "beneficiaire_categorie_juridique": "Catégorie juridique",
    "localisation_arrondissement_code": "Arrondissement de la localisation",
    "localisation_epci_code": "EPCI de la localisation",
    "updated_at": "Mise à jour de la ligne",
}
_AMOUNTS = {"montant_ae", "montant_cp"}
# The catégorie juridique as shown (« Département (7220) »), next to its code (_read).
CATEGORIE_AFFICHEE = "beneficiaire_categorie_juridique_affichee"

SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "engagement",
        "Engagement",
        ("source", "n_ej", "n_poste_ej", "n_dp", "annee", "montant_ae", "montant_cp", "nombre_cp",
         "compte_budgetaire", "compte_general", "groupe_marchandise_code", "contrat_etat_region",
         "fournisseur_code"),
    ),
    ("aide", "Aide d'un opérateur", ("operateur", "reference", "objet")),
    (
        "programme",
        "Programme et imputation",
        ("ministere_code", "programme_code", "programme_theme", "domaine_fonctionnel_code",
         "referentiel_programmation_code", "centre_couts_code", "centre_couts_departement_code"),
    ),
    (
        "beneficiaire",
        "Bénéficiaire",
        ("beneficiaire_code", "beneficiaire_denomination", "beneficiaire_categorie_juridique",
         "beneficiaire_categorie_juridique_type", "beneficiaire_commune_code",
         "beneficiaire_arrondissement_code", "beneficiaire_epci_code", "beneficiaire_departement_code",
         "beneficiaire_region_code", "beneficiaire_qpv24_code", "beneficiaire_qpv_code"),
    ),
    (
        "localisation",
        "Localisation",
        ("localisation_code", "localisation_commune_code", "localisation_arrondissement_code",
         "localisation_epci_code", "localisation_departement_code", "localisation_region_code",
         "lieu_action_qpv_code"),
    ),
    ("dates", "Dates", ("date_creation", "date_modification", "date_dernier_paiement", "updated_at")),
    ("source", "Source", ("data_source", "source_region", "id")),
)  # fmt: skip
_SOURCES = {
    "FINANCIAL_DATA_AE": "Engagement (AE)",
    "FINANCIAL_DATA_CP": "Paiement (CP) sans engagement",
    "ADEME": "Aide de l'ADEME",
    "FRANCE_2030": "Lauréat France 2030",
}
_AIDES = {"ADEME", "FRANCE_2030"}
_DATA_SOURCES = {"REGION": "REGION (fichier régional)", "NATION": "NATION (extraction nationale AIFE)"}
_KINDS = {"chorus-ae": "Engagements (AE)", "chorus-cp": "Paiements (CP)"}


@dataclass(frozen=True)
class Champ:
    code: str
    label: str
    value: str


def label_of(code: str) -> str:
    if code in _LABELS:
        return _LABELS[code]
    return BY_CODE[code].label if code in BY_CODE else code


def _shown(code: str, line: dict[str, Any]) -> str:
    value = line.get(code)
    if code in _AMOUNTS:
        return euros(value)
    if code.startswith("date") or code == "updated_at":
        return date_fr(value)
    if code == "source":
        return _SOURCES.get(value, valeur(value))
    if code == "data_source":
        return _DATA_SOURCES.get(value, valeur(value))
    if code == "beneficiaire_categorie_juridique":
        return valeur(line.get(CATEGORIE_AFFICHEE) or value)
    label_column = code.removesuffix("_code") + "_label" if code.endswith("_code") else None
    if code == "source_region":
        label_column = "source_region_label"
    if code == "beneficiaire_code":
        label_column = None  # the name has its own field
    label = line.get(label_column) if label_column else None
    if value not in (None, "") and label:
        return f"{value} - {label}"
    return valeur(value)


def sections(line: dict[str, Any]) -> list[tuple[str, str, list[Champ]]]:
    """The sections that apply to the line: an operator's aid has no Chorus imputation, a Chorus
    line no operator."""
    aide = line.get("source") in _AIDES
    skipped = {"programme"} if aide else {"aide"}
    return [
        (anchor, title, [Champ(code, label_of(code), _shown(code, line)) for code in codes])
        for anchor, title, codes in SECTIONS
        if anchor not in skipped
    ]


def _tags(stored: str | None) -> list[dict[str, str]]:
    tags = with_labels(stored)
    for tag in tags:
        known = BY_TYPE.get(tag["code"].partition(":")[0])
        tag["description"] = known.description if known else ""
    return tags


def _sources(files: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "fichier": f["filename"],
            "nature": _KINDS.get(f["kind"], f["kind"]),
            "annee": valeur(f["annee"]),
            "flux": valeur(f["data_source"]) + (f" {f['source_region']}" if f["source_region"] else ""),
            "importe_le": _date_heure(f["imported_at"]),
            "sha256": f["sha256"] or "",
        }
        for f in files
    ]


def _date_heure(iso: str | None) -> str:
    if not iso:
        return valeur(iso)
    return f"{date_fr(iso)} à {iso[11:16].replace(':', ' h ')}" if len(iso) > 15 else date_fr(iso)


# Codes of a line shown with the name of their referential (no label column in `ligne`): the
# field, the kind of `lookups.names`, the key of the shown value.
_NAMED = (
    ("centre_couts_departement_code", "zones/departement", "centre_couts_departement_label"),
    ("source_region", "zones/region", "source_region_label"),
    ("beneficiaire_categorie_juridique", "categories-juridiques", CATEGORIE_AFFICHEE),
)


def _named(conn: Connection, line: dict[str, Any]) -> dict[str, Any]:
    """The names of the line's codes that `ligne` does not carry, in one query; the catégorie
    juridique as shown (its exact label, else its level I's: model/categorie_juridique.py)."""
    wanted = [(kind, [line[code]]) for code, kind, _ in _NAMED if line.get(code)]
    found = lookups.names(conn, wanted) if wanted else {}
    out: dict[str, Any] = {}
    for code, kind, key in _NAMED:
        value = line.get(code)
        if value and key == CATEGORIE_AFFICHEE:
            out[key] = categorie_juridique.affichee(value, found.get((kind, value)))
        elif value:
            out[key] = found.get((kind, value))
    return out


def _read(conn: Connection, line_id: int, region: str | None) -> dict[str, Any] | None:
    line = details.line(conn, line_id, region)
    if line is None:
        return None
    line = {**line, **_named(conn, line)}
    return {
        "ligne": line,
        "paiements": details.payments(conn, line_id, region) or [],
        "fichiers": details.sources(conn, line_id, region) or [],
    }


def _subvention_possible(line: dict[str, Any]) -> bool:
    """Whether the line may have a Data Subvention subsidy: an EJ, a SIRET, maybe an association."""
    siret = line.get("beneficiaire_code") or ""
    return (
        bool(line.get("n_ej"))
        and len(siret) == 14
        and siret.isdigit()
        and (est_association(line.get("beneficiaire_categorie_juridique")) is not False)
    )


def titre(line: dict[str, Any]) -> str:
    if line.get("source") in _AIDES:
        reference = f" n° {line['reference']}" if line.get("reference") else ""
        return f"{_SOURCES[line['source']]}{reference}"
    if line.get("n_ej"):
        poste = f", poste {line['n_poste_ej']}" if line.get("n_poste_ej") is not None else ""
        return f"Engagement n° {line['n_ej']}{poste}"
    return f"Paiement n° {line.get('n_dp') or line['id']}"


@router.get("/lignes/{line_id}", response_class=HTMLResponse)
async def page_ligne(
    line_id: LineId, request: Request, me: CurrentIdentity, db: Db, fragment: Annotated[bool, Query()] = False
):
    found = await db.read(_read, line_id, me.region)
    context: dict[str, Any] = {"fragment": fragment, "page_active": None, "line_id": line_id}
    if found is None:
        context |= {
            "titre": "Ligne introuvable",
            "message": f"Aucune ligne {line_id} parmi celles que vous pouvez voir : elle n'existe pas, "
            "plus (un nouvel import a pu la remplacer), ou elle est hors de votre région.",
        }
        name = "_ligne_introuvable.html" if fragment else "404.html"
        return templates.TemplateResponse(request, name, context, status_code=404)
    line = found["ligne"]
    paiements = found["paiements"]
    context |= {
        "ligne": line,
        "titre": titre(line),
        "sections": sections(line),
        "tags": _tags(line.get("tags")),
        "paiements": paiements,
        "total_paiements": sum(p["montant"] or 0 for p in paiements),
        "orphelin": line["source"] == SOURCE_CP,
        "fichiers": _sources(found["fichiers"]),
        "subvention": _subvention_possible(line),
    }
    return templates.TemplateResponse(request, "_ligne.html" if fragment else "ligne.html", context)
