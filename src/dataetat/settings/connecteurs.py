"""Settings of the outside services (connectors/, docs/connecteurs.md): Recherche d'entreprises,
API Entreprise, Data Subvention, their shared retries and circuit breaker, and the enrichment of
beneficiaries that calls them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class Connecteurs(BaseModel):
    recherche_entreprises_url: str = Field(
        "https://recherche-entreprises.api.gouv.fr",
        description="Adresse de l'API Recherche d'entreprises (ouverte, sans jeton).",
    )
    recherche_entreprises_par_seconde: float = Field(
        7, gt=0, description="Requêtes par seconde au plus vers Recherche d'entreprises (limite publiée : 7)."
    )
    api_entreprise_url: str = Field(
        "https://entreprise.api.gouv.fr", description="Adresse de l'API Entreprise (v3, jeton requis)."
    )
    api_entreprise_jeton: SecretStr | None = Field(
        None,
        description="Jeton (JWT) de l'API Entreprise ; vide = API Entreprise non utilisée. Par "
        "l'environnement ou par api_entreprise_jeton_fichier ; jamais journalisé.",
    )
    api_entreprise_jeton_fichier: Path | None = Field(
        None, description="Fichier secret contenant le jeton de l'API Entreprise (sa première ligne)."
    )
    api_entreprise_par_minute: float = Field(
        250, gt=0, description="Requêtes par minute au plus vers l'API Entreprise (limite publiée : 250)."
    )
    api_entreprise_destinataire: str = Field(
        "", description="SIRET de l'administration qui appelle l'API Entreprise (paramètre recipient)."
    )
    api_entreprise_contexte: str = Field(
        "aides publiques", description="Cadre des appels à l'API Entreprise (paramètre context)."
    )
    api_entreprise_objet: str = Field(
        "Data-Etat enrichissement des beneficiaires",
        description="Objet des appels à l'API Entreprise (paramètre object, moins de 50 caractères).",
    )
    data_subvention_url: str = Field(
        "https://api.datasubvention.beta.gouv.fr", description="Adresse de l'API Data Subvention."
    )
    data_subvention_jeton: SecretStr | None = Field(
        None, description="Jeton de Data Subvention (en-tête x-access-token) ; vide = non utilisée."
    )
    data_subvention_jeton_fichier: Path | None = Field(
        None, description="Fichier secret contenant le jeton de Data Subvention (sa première ligne)."
    )
    data_subvention_par_minute: float = Field(
        20, gt=0, description="Requêtes par minute au plus vers Data Subvention (limite publiée : 20)."
    )
    data_subvention_ttl_heures: float = Field(
        24,
        gt=0,
        description="Durée de conservation d'une réponse de Data Subvention (subventions d'une association), "
        "en heures : passé ce délai, la page du bénéficiaire la redemande au service.",
    )
    connecteurs_delai_s: float = Field(
        5, gt=0, description="Délai d'attente d'une réponse d'un service extérieur, en secondes."
    )
    connecteurs_essais: int = Field(
        3, ge=0, description="Nouveaux essais d'un appel après un 429, un 5xx ou un délai dépassé."
    )
    connecteurs_backoff_s: float = Field(
        0.5, ge=0, description="Attente avant le premier nouvel essai (doublée à chaque essai), en secondes."
    )
    connecteurs_attente_max_s: float = Field(
        60, ge=0, description="Plus longue attente Retry-After respectée ; au-delà l'appel échoue aussitôt."
    )
    connecteurs_disjoncteur_seuil: int = Field(
        5, ge=1, description="Échecs de suite (429, 5xx, délai) après lesquels un service n'est plus appelé."
    )
    connecteurs_disjoncteur_pause_s: float = Field(
        60, gt=0, description="Durée pendant laquelle un service en échec n'est plus appelé, en secondes."
    )
    enrichissement_apres_import: bool = Field(
        True,
        description="Après chaque import, mettre en file l'enrichissement des nouveaux SIRET "
        "(Recherche d'entreprises, API Entreprise si un jeton est configuré).",
    )
    enrichissement_par_nuit: int = Field(
        10000,
        ge=0,
        description="SIRET rafraîchis au plus par le rafraîchissement planifié (les plus anciens d'abord).",
    )
    enrichissement_reprise_minutes: float = Field(
        30,
        gt=0,
        description="Délai avant de reprendre un enrichissement interrompu par un service indisponible.",
    )
