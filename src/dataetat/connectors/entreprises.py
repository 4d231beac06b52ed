"""Recherche d'entreprises (open) and API Entreprise (token): one établissement by SIRET, as a `Fiche`.

    fiche = recherche_etablissement(client, siret)   # Client of services.recherche_entreprises
    fiche = api_entreprise_etablissement(client, siret)  # Client of services.api_entreprise

Both return None when the service does not know the SIRET (Recherche d'entreprises: no result, or
a result without this établissement; API Entreprise: 404), a `Fiche` with `non_diffusible=True`
when API Entreprise answers 451, and raise the client's errors otherwise (errors.py). Shapes from
the services' documentation (docs/connecteurs.md): Recherche d'entreprises `GET /search?q=<siret>`
with `matching_etablissements`; API Entreprise `GET /v3/insee/sirene/etablissements/{siret}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dataetat.connectors.client import Client
from dataetat.connectors.errors import NonDiffusible, NonTrouve

RECHERCHE = "recherche-entreprises"
API_ENTREPRISE = "api-entreprise"


class Fiche(BaseModel):
    """What Data-État keeps of an établissement (table `beneficiaire`)."""

    siret: str
    siren: str | None = None
    denomination: str | None = None
    enseigne: str | None = None
    categorie_juridique: str | None = None
    # API Entreprise's exact label of that code (« Département »): kept in ref_categorie_juridique.
    categorie_juridique_libelle: str | None = None
    naf: str | None = None
    tranche_effectif: str | None = None
    siege: bool | None = None
    adresse: str | None = None
    code_commune: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    etat_administratif: str | None = None  # A (actif) | F (fermé)
    date_fermeture: date | None = None
    non_diffusible: bool = False
    source: str


# --- Recherche d'entreprises ---------------------------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):  # "[NON-DIFFUSIBLE]" and the like
        return None


class EtablissementRE(_Lenient):
    siret: str
    est_siege: bool | None = None
    etat_administratif: str | None = None
    commune: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    adresse: str | None = None
    activite_principale: str | None = None
    date_fermeture: date | None = None
    tranche_effectif_salarie: str | None = None
    liste_enseignes: list[str] | None = None

    _coords = field_validator("latitude", "longitude", mode="before")(lambda v: _float(v))


class UniteRE(_Lenient):
    siren: str
    nom_complet: str | None = None
    nom_raison_sociale: str | None = None
    nature_juridique: str | None = None
    activite_principale: str | None = None
    etat_administratif: str | None = None
    tranche_effectif_salarie: str | None = None
    matching_etablissements: list[EtablissementRE] = Field(default_factory=list)
    siege: EtablissementRE | None = None


class PageRE(_Lenient):
    results: list[UniteRE]
    total_results: int = 0


def recherche_etablissement(client: Client, siret: str) -> Fiche | None:
    page = client.get_json(
        "/search",
        {"q": siret, "minimal": "true", "include": "siege,matching_etablissements", "page": 1, "per_page": 1},
        PageRE,
    )
    for unite in page.results:
        candidates = [*unite.matching_etablissements, *([unite.siege] if unite.siege else [])]
        etab = next((e for e in candidates if e.siret == siret), None)
        if etab is None:
            continue
        return Fiche(
            siret=siret,
            siren=unite.siren,
            denomination=unite.nom_raison_sociale or unite.nom_complet,
            enseigne=(etab.liste_enseignes or [None])[0],
            categorie_juridique=unite.nature_juridique,
            naf=etab.activite_principale or unite.activite_principale,
            tranche_effectif=etab.tranche_effectif_salarie,
            siege=etab.est_siege,
            adresse=etab.adresse,
            code_commune=etab.commune,
            latitude=etab.latitude,
            longitude=etab.longitude,
            etat_administratif=etab.etat_administratif,
            date_fermeture=etab.date_fermeture,
            source=RECHERCHE,
        )
    return None


# --- API Entreprise v3 ---------------------------------------------------------------------------


class _Code(_Lenient):
    code: str | None = None
    libelle: str | None = None


class _Morale(_Lenient):
    raison_sociale: str | None = None


class _Physique(_Lenient):
    nom_usage: str | None = None
    nom_naissance: str | None = None
    prenom_usuel: str | None = None


class _UniteAE(_Lenient):
    siren: str | None = None
    personne_morale_attributs: _Morale | None = None
    personne_physique_attributs: _Physique | None = None
    forme_juridique: _Code | None = None


class _Adresse(_Lenient):
    code_commune: str | None = None
    acheminement_postal: dict[str, str | None] | None = None


class EtablissementAE(_Lenient):
    siret: str
    siege_social: bool | None = None
    etat_administratif: str | None = None
    date_fermeture: int | str | None = None  # epoch seconds
    activite_principale: _Code | None = None
    tranche_effectif_salarie: _Code | None = None
    enseigne: str | None = None
    unite_legale: _UniteAE | None = None
    adresse: _Adresse | None = None


class ReponseAE(_Lenient):
    data: EtablissementAE


def _closing(value: int | str | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC).date()
    return date.fromisoformat(str(value)[:10])


def _name(unite: _UniteAE | None) -> str | None:
    if unite is None:
        return None
    if unite.personne_morale_attributs and unite.personne_morale_attributs.raison_sociale:
        return unite.personne_morale_attributs.raison_sociale
    p = unite.personne_physique_attributs
    if p and (p.nom_usage or p.nom_naissance):
        return " ".join(x for x in (p.prenom_usuel, p.nom_usage or p.nom_naissance) if x)
    return None


def api_entreprise_etablissement(client: Client, siret: str) -> Fiche | None:
    try:
        data = client.get_json(f"/v3/insee/sirene/etablissements/{siret}", modele=ReponseAE).data
    except NonTrouve:
        return None
    except NonDiffusible:
        return Fiche(siret=siret, siren=siret[:9], non_diffusible=True, source=API_ENTREPRISE)
    lines = (data.adresse.acheminement_postal or {}) if data.adresse else {}
    adresse = " ".join(v for k in ("l4", "l5", "l6", "l7") if (v := lines.get(k))) or None
    unite = data.unite_legale
    return Fiche(
        siret=siret,
        siren=(unite.siren if unite else None) or siret[:9],
        denomination=_name(unite),
        enseigne=data.enseigne,
        categorie_juridique=unite.forme_juridique.code if unite and unite.forme_juridique else None,
        categorie_juridique_libelle=(
            unite.forme_juridique.libelle
            if unite and unite.forme_juridique and unite.forme_juridique.code
            else None
        ),
        naf=data.activite_principale.code if data.activite_principale else None,
        tranche_effectif=data.tranche_effectif_salarie.code if data.tranche_effectif_salarie else None,
        siege=data.siege_social,
        adresse=adresse,
        code_commune=data.adresse.code_commune if data.adresse else None,
        etat_administratif=data.etat_administratif,
        date_fermeture=_closing(data.date_fermeture),
        source=API_ENTREPRISE,
    )
