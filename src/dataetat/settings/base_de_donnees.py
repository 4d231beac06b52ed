"""Settings of the database: its URL (DuckDB file or PostgreSQL server), PostgreSQL read replicas,
DuckDB's memory and threads, the connection pool."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BaseDeDonnees(BaseModel):
    database_url: str = Field(
        "duckdb:///var/dataetat.duckdb",
        description="Base de données : duckdb:///chemin/fichier.duckdb (embarqué, par défaut) ou "
        "postgresql+psycopg://utilisateur@hôte:5432/base (serveur).",
    )
    database_replica_urls: str = Field(
        "",
        description="Répliques en lecture (réplication en continu de PostgreSQL), séparées par des virgules : "
        "les recherches, regroupements, tableaux croisés, cartes et exports directs les lisent à tour de rôle "
        "(une réplique en panne est écartée) ; vide = tout sur la base principale.",
    )
    replica_attente_s: float = Field(
        1.0,
        ge=0,
        description="Après une écriture de l'utilisateur (un import…), attente maximale, en secondes, qu'une "
        "réplique l'ait rejouée avant de la lire ; au-delà la lecture se fait sur la base principale.",
    )
    duckdb_memory_limit: str = Field(
        "2GB", description="Mémoire maximale de DuckDB (au-delà, il écrit sur disque)."
    )
    duckdb_threads: int = Field(0, description="Threads de DuckDB (0 = autant que de cœurs).")
    connexions_max: int = Field(
        64,
        ge=1,
        description="Connexions simultanées à la base au plus (recherches en cours, exports CSV en "
        "cours d'envoi, tâches) ; au-delà, une requête attend qu'une se libère.",
    )
    connexions_attente_s: float = Field(
        30,
        gt=0,
        description="Attente maximale d'une connexion libre, en secondes ; au-delà la requête reçoit "
        "une erreur 503 « serveur occupé ». Sur DuckDB, c'est aussi l'attente maximale de la fin d'un "
        "import en cours d'écriture pour une page qui modifie les données (annulation d'un import, "
        "référentiel, réapplication des étiquettes) : au-delà, une erreur 503 invite à réessayer.",
    )
