"""Enumerations of the domain (values are the reference's, kept for API compatibility)."""

from enum import StrEnum


class DataSource(StrEnum):
    REGION = "REGION"  # file uploaded by a regional comptable
    NATION = "NATION"  # national AIFE extract


class Source(StrEnum):
    FINANCIAL_DATA_AE = "FINANCIAL_DATA_AE"
    FINANCIAL_DATA_CP = "FINANCIAL_DATA_CP"
    ADEME = "ADEME"  # ADEME "aides attribuées"
    FRANCE_2030 = "FRANCE_2030"  # France 2030 laureates


class Kind(StrEnum):
    """What a Chorus file holds."""

    AE = "ae"  # engagements (autorisations d'engagement)
    CP = "cp"  # paiements (crédits de paiement, one line per DP)


class NiveauGeo(StrEnum):
    REGION = "region"
    DEPARTEMENT = "departement"
    ARRONDISSEMENT = "arrondissement"
    EPCI = "epci"
    COMMUNE = "commune"
    QPV = "qpv"  # quartier prioritaire, 2015 division (codes QP…)
    QPV24 = "qpv24"  # quartier prioritaire, 2024 division (codes QN…)


# A zone level as a sentence says it (« département 35 »).
NIVEAU_EN_MOTS = {
    "region": "région",
    "departement": "département",
    "arrondissement": "arrondissement",
    "epci": "EPCI",
    "commune": "commune",
    "qpv": "QPV 2015",
    "qpv24": "QPV",
}


TAG_CP_ORPHELIN = "cp-orphelin"
