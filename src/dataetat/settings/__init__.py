"""Settings, read from the environment (prefix DATAETAT_) and passed down explicitly: one class,
`Settings`, made of the groups of this package (each field with its default and help text, all
listed in docs/settings.md).

    settings = Settings()                      # the environment's
    settings.model_copy(update={...})          # a test's
"""

from __future__ import annotations

from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict

from dataetat.settings.base_de_donnees import BaseDeDonnees
from dataetat.settings.connecteurs import Connecteurs
from dataetat.settings.connexion import Connexion
from dataetat.settings.exploitation import Exploitation
from dataetat.settings.fichiers import Fichiers
from dataetat.settings.publication import Publication


class Settings(Connecteurs, Publication, Connexion, Exploitation, Fichiers, BaseDeDonnees, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATAETAT_", extra="ignore")


def annees_acceptees(settings: Settings | None = None) -> tuple[int, int]:
    """(first, last) year an import accepts: `annee_min`, `annee_max` (default: next year)."""
    settings = settings or Settings()
    last = settings.annee_max if settings.annee_max is not None else date.today().year + 1
    return settings.annee_min, last
