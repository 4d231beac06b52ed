"""The outside services as the settings describe them: base URL, published rate limit, token.

    recherche_entreprises(settings) -> Service          open, 7 req/s
    api_entreprise(settings) -> Service | None          token; None when not configured
    data_subvention(settings) -> Service | None         token; None when not configured
    data_gouv(settings) -> Service | None               API key (X-API-KEY); None when not configured
    reglages(settings) -> Reglages                      timeouts, retries, circuit breaker

A token comes from its setting (`…_JETON`) or from a secret file (`…_JETON_FICHIER`, e.g. a Docker or
Kubernetes secret mounted read-only); it is sent in a header only, never logged nor stored.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from dataetat.connectors.client import Reglages, Service
from dataetat.settings import Settings


def jeton(valeur: SecretStr | None, fichier: Path | None) -> str | None:
    """The token: the setting's value, else the first line of the secret file; None when neither."""
    if valeur is not None and valeur.get_secret_value().strip():
        return valeur.get_secret_value().strip()
    if fichier is not None:
        try:
            text = Path(fichier).read_text("utf-8").strip()
        except OSError as exc:
            raise ValueError(f"Fichier du jeton illisible : {fichier} ({exc.strerror}).") from None
        return text.splitlines()[0].strip() if text else None
    return None


def reglages(settings: Settings) -> Reglages:
    return Reglages(
        delai=settings.connecteurs_delai_s,
        essais=settings.connecteurs_essais,
        backoff=settings.connecteurs_backoff_s,
        attente_max=settings.connecteurs_attente_max_s,
        seuil_disjoncteur=settings.connecteurs_disjoncteur_seuil,
        pause_disjoncteur=settings.connecteurs_disjoncteur_pause_s,
    )


def recherche_entreprises(settings: Settings) -> Service:
    return Service(
        nom="Recherche d'entreprises",
        url=settings.recherche_entreprises_url,
        par=(settings.recherche_entreprises_par_seconde, 1.0),
    )


def api_entreprise(settings: Settings) -> Service | None:
    token = jeton(settings.api_entreprise_jeton, settings.api_entreprise_jeton_fichier)
    if not token:
        return None
    return Service(
        nom="API Entreprise",
        url=settings.api_entreprise_url,
        par=(settings.api_entreprise_par_minute, 60.0),
        jeton=token,
        # Mandatory on every call: the frame, the administration asking (its SIRET), the reason.
        parametres={
            "context": settings.api_entreprise_contexte,
            "recipient": settings.api_entreprise_destinataire,
            "object": settings.api_entreprise_objet,
        },
    )


def data_subvention(settings: Settings) -> Service | None:
    token = jeton(settings.data_subvention_jeton, settings.data_subvention_jeton_fichier)
    if not token:
        return None
    return Service(
        nom="Data Subvention",
        url=settings.data_subvention_url,
        par=(settings.data_subvention_par_minute, 60.0),
        jeton=token,
        entete_jeton="x-access-token",  # the service also takes ?token=: never used (URLs get logged)
        prefixe_jeton="",
    )


def data_gouv(settings: Settings) -> Service | None:
    key = jeton(settings.data_gouv_cle_api, settings.data_gouv_cle_api_fichier)
    if not key:
        return None
    return Service(
        nom="data.gouv.fr", url=settings.data_gouv_url, par=(10.0, 1.0), jeton=key, entete_jeton="X-API-KEY",
        prefixe_jeton="",
    )  # fmt: skip
