"""Settings, read from the environment (prefix DATAETAT_) and passed down explicitly."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATAETAT_", extra="ignore")

    database_url: str = Field(
        "duckdb:///var/dataetat.duckdb",
        description="Base de données : duckdb:///chemin/fichier.duckdb (embarqué, par défaut) ou "
        "postgresql+psycopg://utilisateur@hôte:5432/base (serveur).",
    )
    duckdb_memory_limit: str = Field(
        "2GB", description="Mémoire maximale de DuckDB (au-delà, il écrit sur disque)."
    )
    duckdb_threads: int = Field(0, description="Threads de DuckDB (0 = autant que de cœurs).")
    region_developpement: str | None = Field(
        None,
        description="Région de l'identité tant que les comptes n'existent pas (ex. 53) ; vide = nationale.",
    )
