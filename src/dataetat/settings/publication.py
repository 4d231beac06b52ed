"""Settings of what the instance publishes: open aggregates (statistical secrecy), the DCAT
catalogue, data.gouv.fr; and of the DECP: validation and catalogue harvesting."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class Publication(BaseModel):
    secret_statistique_seuil: int = Field(
        3,
        ge=1,
        description="Secret statistique des agrégats ouverts : une cellule de moins de N bénéficiaires "
        "(SIRET distincts) n'est pas publiée telle quelle, elle rejoint la ligne « autres ».",
    )
    catalogue_fraicheur_jours: int = Field(
        30,
        ge=1,
        description="Un jeu du catalogue est « à jour » quand son dernier import a moins de N jours.",
    )
    catalogue_editeur: str = Field(
        "Data-État", description="Nom de l'éditeur (dct:publisher) du catalogue DCAT de l'instance."
    )
    url_publique: str = Field(
        "",
        description="Adresse publique de l'instance (https://data-etat.exemple.gouv.fr), base des URI "
        "du catalogue DCAT ; vide = l'adresse de la requête.",
    )
    data_gouv_url: str = Field(
        "https://www.data.gouv.fr", description="Adresse de data.gouv.fr (ou de sa démo) pour la publication."
    )
    data_gouv_cle_api: SecretStr | None = Field(
        None, description="Clé d'API data.gouv.fr (en-tête X-API-KEY) ; depuis l'environnement seulement."
    )
    data_gouv_cle_api_fichier: Path | None = Field(
        None, description="Fichier secret contenant la clé d'API data.gouv.fr (première ligne)."
    )
    data_gouv_delai_s: float = Field(
        60,
        gt=0,
        description="Délai d'attente d'une réponse de data.gouv.fr (un envoi de fichier), en secondes.",
    )
    validation_taille_max_mo: int = Field(
        50,
        ge=1,
        description="Taille maximale d'un fichier envoyé à la validation DECP (API ouverte et page), en Mo.",
    )
    validation_par_minute: int = Field(
        20,
        ge=1,
        description="Validations DECP par minute au plus pour un même client (adresse) ; au-delà, 429.",
    )
    moisson_delai_s: float = Field(
        20,
        gt=0,
        description="Délai d'attente d'une réponse lors de la moisson des catalogues DECP, en secondes.",
    )
    moisson_taille_max_mo: int = Field(
        500,
        ge=1,
        description="Taille maximale d'un fichier DECP téléchargé par la moisson, en Mo (au-delà : abandonné).",
    )
    moisson_pages_max: int = Field(
        200,
        ge=1,
        description="Pages d'un catalogue DCAT lues au plus par moisson (un catalogue qui pagine sans fin s'arrête là).",
    )
