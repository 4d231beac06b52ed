"""Settings of the files: the uploads' and exports' folders or shared S3 store, resumable
uploads (chunk size, expiry), the upload size limit and the exercices an import accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class Fichiers(BaseModel):
    dossier_exports: Path = Field(
        Path("var/exports"), description="Dossier des fichiers d'export préparés en tâche (« Mes exports »)."
    )
    dossier_televersements: Path = Field(
        Path("var/televersements"),
        description="Dossier où les fichiers chargés par la page « Charger les données » attendent leur "
        "import (effacés après l'import ; les lignes écartées y restent).",
    )
    stockage_url: str = Field(
        "",
        description="Stockage partagé des fichiers chargés et des exports : s3://seau/prefixe (MinIO, Garage, "
        "Ceph, S3 des clouds souverains) ; vide = les dossiers dossier_exports et dossier_televersements.",
    )
    stockage_s3_endpoint: str = Field(
        "", description="Adresse du service S3 (ex. http://minio:9000) ; vide = AWS."
    )
    stockage_s3_region: str = Field("us-east-1", description="Région S3 (signature des requêtes).")
    stockage_s3_cle: str = Field(
        "", description="Identifiant de clé d'accès S3 ; vide = AWS_ACCESS_KEY_ID de l'environnement."
    )
    stockage_s3_secret: SecretStr | None = Field(
        None,
        description="Clé secrète S3 (confidentielle : par l'environnement seulement, jamais journalisée) ; "
        "vide = AWS_SECRET_ACCESS_KEY.",
    )
    stockage_s3_adressage: Literal["path", "virtual"] = Field(
        "path", description="Adressage S3 : path (MinIO, Garage) ou virtual (seau dans le nom d'hôte)."
    )
    stockage_s3_delai_s: float = Field(10, gt=0, description="Délai de connexion au service S3, en secondes.")
    envoi_morceau_mo: float = Field(
        8,
        gt=0,
        description="Taille des morceaux d'un envoi reprenable (page « Charger les données »), en Mo ; "
        "au moins 5 avec un stockage S3 (assemblage côté serveur).",
    )
    envoi_expiration_heures: float = Field(
        24,
        gt=0,
        description="Durée de vie d'un envoi reprenable inachevé : au-delà, ses morceaux sont effacés.",
    )
    televersement_taille_max_mo: int = Field(
        2048, description="Taille maximale d'un envoi de la page « Charger les données », en Mo."
    )
    annee_min: int = Field(
        2000,
        description="Première année (exercice) acceptée à l'import ; une année plus ancienne est refusée.",
    )
    annee_max: int | None = Field(
        None,
        description="Dernière année (exercice) acceptée à l'import ; vide = l'année en cours + 1.",
    )
