"""The one schema, in SQLAlchemy Core, for DuckDB and PostgreSQL.

Three groups of tables:
- referentials (`ref_*`), replaced whole by `dataetat import referentiel`;
- financial base tables, written only by the Chorus importer:
  `engagement` (one stable id per EJ/poste and région), `ae_annee` (one row per feed, EJ/poste and
  accounting year: the attributes and the amount of that year), `cp` (one row per payment line);
- the read model `ligne`: one wide flat row per financial line, rebuilt by the importer inside the
  import transaction (see store/readmodel.py).

Other tables live next to the code that owns them, on the same `metadata`: jobs and schedule
(store/taches_schema.py), tags (store/tags_schema.py), public procurement (store/marches_schema.py),
harvest (store/moisson_schema.py), and the small tables of accounts, audit, saved searches, login
limits, replacement and subsidies in their store/ modules.

Indexes, and the primary keys of the big tables (engagement, cp, ligne), exist on PostgreSQL only
(see the migration): DuckDB keeps ART indexes in memory and they slow bulk loads, while its
columnar scans need no index; the importer guarantees uniqueness itself (one id sequence,
set-based de-duplication before insert).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One sequence for engagement ids and cp ids, so that a read-model line id never collides.
line_id_seq = sa.Sequence("line_id_seq", metadata=metadata)
import_id_seq = sa.Sequence("import_id_seq", metadata=metadata)

MONTANT = sa.Numeric(18, 2)


def _code(name: str = "code", **kw) -> sa.Column:
    return sa.Column(name, sa.String, **kw)


def _pg_unique(name: str, *cols: str) -> sa.Index:
    return sa.Index(name, *cols, unique=True).ddl_if(dialect="postgresql")


# --- Referentials ---------------------------------------------------------------------------

ref_region = sa.Table("ref_region", metadata, _code(primary_key=True), sa.Column("label", sa.String))
ref_departement = sa.Table(
    "ref_departement",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("code_region", sa.String),
)
ref_arrondissement = sa.Table(
    "ref_arrondissement",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("code_departement", sa.String),
    sa.Column("code_region", sa.String),
)
ref_epci = sa.Table(
    "ref_epci",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("nature", sa.String),
)
ref_commune = sa.Table(
    "ref_commune",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("code_departement", sa.String),
    sa.Column("code_region", sa.String),
    sa.Column("code_arrondissement", sa.String),
    sa.Column("code_epci", sa.String),
)
# Former commune codes (merged communes) -> current code, from the COG mouvements file.
ref_commune_passage = sa.Table(
    "ref_commune_passage",
    metadata,
    sa.Column("code_ancien", sa.String, primary_key=True),
    sa.Column("code_actuel", sa.String),
)
# Postal code -> commune (a postal code may serve several communes, a commune have several codes).
ref_code_postal = sa.Table(
    "ref_code_postal",
    metadata,
    sa.Column("code_postal", sa.String, primary_key=True),
    sa.Column("code_commune", sa.String, primary_key=True),
)
ref_ministere = sa.Table(
    "ref_ministere",
    metadata,
    _code(primary_key=True),
    sa.Column("sigle", sa.String),
    sa.Column("label", sa.String),
)
ref_programme = sa.Table(
    "ref_programme",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("code_ministere", sa.String),
    sa.Column("theme", sa.String),
)
ref_domaine_fonctionnel = sa.Table(
    "ref_domaine_fonctionnel", metadata, _code(primary_key=True), sa.Column("label", sa.String)
)
ref_referentiel_programmation = sa.Table(
    "ref_referentiel_programmation",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
)
ref_centre_couts = sa.Table(
    "ref_centre_couts",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("description", sa.String),
    sa.Column("code_postal", sa.String),
    sa.Column("ville", sa.String),
    sa.Column("code_departement", sa.String),
)
ref_groupe_marchandise = sa.Table(
    "ref_groupe_marchandise",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("segment", sa.String),
    sa.Column("domaine", sa.String),
)
ref_localisation_interministerielle = sa.Table(
    "ref_localisation_interministerielle",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("niveau", sa.String),
    sa.Column("code_departement", sa.String),
    sa.Column("code_commune", sa.String),
    sa.Column("code_parent", sa.String),
)
ref_categorie_juridique = sa.Table(
    "ref_categorie_juridique",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("type", sa.String),
)
# Chorus "société" (national extracts) -> région.
ref_societe = sa.Table(
    "ref_societe",
    metadata,
    _code(primary_key=True),
    sa.Column("code_region", sa.String),
    sa.Column("label", sa.String),
)

# Quartiers prioritaires de la politique de la ville, 2015 (QP…) and 2024 (QN…) divisions.
ref_qpv = sa.Table(
    "ref_qpv",
    metadata,
    _code(primary_key=True),
    sa.Column("label", sa.String),
    sa.Column("annee_decoupage", sa.Integer, nullable=False),  # 2015 | 2024
    sa.Column("code_commune", sa.String),  # main commune
    sa.Column("communes", sa.String),  # every commune it spans, space-separated INSEE codes
    sa.Column("code_departement", sa.String),
    sa.Column("code_region", sa.String),
    sa.Column("geometrie", sa.Text),  # GeoJSON geometry (WGS84), NULL when the file has none
    sa.Column("longitude", sa.Float),  # centre of the bounding box, for symbols and zoom
    sa.Column("latitude", sa.Float),
)
# Communes of a territorial programme: Petites villes de demain (pvd), Action cœur de ville (acv).
commune_dispositif = sa.Table(
    "commune_dispositif",
    metadata,
    sa.Column("dispositif", sa.String, primary_key=True),  # pvd | acv
    sa.Column("code_commune", sa.String, primary_key=True),
    sa.Column("identifiant", sa.String),
    sa.Column("libelle", sa.String),
    sa.Column("date_signature", sa.Date),
)

REFERENTIAL_TABLES: dict[str, sa.Table] = {
    "region": ref_region,
    "departement": ref_departement,
    "arrondissement": ref_arrondissement,
    "epci": ref_epci,
    "commune": ref_commune,
    "commune_passage": ref_commune_passage,
    "code_postal": ref_code_postal,
    "ministere": ref_ministere,
    "programme": ref_programme,
    "domaine_fonctionnel": ref_domaine_fonctionnel,
    "referentiel_programmation": ref_referentiel_programmation,
    "centre_couts": ref_centre_couts,
    "groupe_marchandise": ref_groupe_marchandise,
    "localisation_interministerielle": ref_localisation_interministerielle,
    "categorie_juridique": ref_categorie_juridique,
    "societe": ref_societe,
}

beneficiaire = sa.Table(
    "beneficiaire",
    metadata,
    sa.Column("siret", sa.String, primary_key=True),
    sa.Column("denomination", sa.String),
    sa.Column("categorie_juridique", sa.String),
    sa.Column("code_commune", sa.String),
    sa.Column("updated_at", sa.DateTime),  # the last refresh (import of a SIRENE file, or enrichment)
    # Enrichment from the company registers (jobs/enrichissement.py): what the service said.
    sa.Column("source", sa.String),  # sirene | recherche-entreprises | api-entreprise
    sa.Column("siren", sa.String),
    sa.Column("enseigne", sa.String),
    sa.Column("naf", sa.String),
    sa.Column("tranche_effectif", sa.String),
    sa.Column("siege", sa.Boolean),
    sa.Column("adresse", sa.String),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("etat_administratif", sa.String),  # A (actif) | F (fermé)
    sa.Column("date_fermeture", sa.Date),
    sa.Column("non_diffusible", sa.Boolean),  # the service said 451: the unit is not public
    sa.Column("introuvable", sa.Boolean),  # no service knows this SIRET (asked again later)
)

# SIRET -> QPV where the établissement stands (data.gouv.fr "entreprises en QPV" link file).
siret_qpv = sa.Table(
    "siret_qpv",
    metadata,
    sa.Column("siret", sa.String, primary_key=True),
    sa.Column("code_qpv15", sa.String),
    sa.Column("code_qpv24", sa.String),
)

# --- Imports (history and report) ---------------------------------------------------------

import_fichier = sa.Table(
    "import_fichier",
    metadata,
    sa.Column(
        "id", sa.BigInteger, import_id_seq, server_default=import_id_seq.next_value(), primary_key=True
    ),
    sa.Column("kind", sa.String, nullable=False),  # chorus-ae, chorus-cp, sirene, referentiel:<kind>
    sa.Column("filename", sa.String, nullable=False),
    sa.Column("sha256", sa.String),
    sa.Column("format", sa.String),
    sa.Column("data_source", sa.String),
    sa.Column("source_region", sa.String),
    sa.Column("annee", sa.Integer),
    sa.Column("lignes_lues", sa.BigInteger),
    sa.Column("lignes_importees", sa.BigInteger),
    sa.Column("lignes_rejetees", sa.BigInteger),
    sa.Column("somme_ae", MONTANT),
    sa.Column("somme_cp", MONTANT),
    sa.Column("rapport", sa.Text),  # JSON report (warnings, unknown codes)
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

# --- Financial base tables ----------------------------------------------------------------

# Columns shared by AE and CP rows: codes as they are after normalisation (never resolved).
_COMMON_CODES = (
    "programme",
    "domaine_fonctionnel",
    "centre_couts",
    "referentiel_programmation",
    "siret",
    "compte_general",
    "compte_budgetaire",
    "groupe_marchandise",
    "contrat_etat_region",
    "localisation_interministerielle",
    "fournisseur_code",
    "fournisseur_label",
    # AIFE extras
    "centre_financier",
    "tranche_fonctionnelle",
    "fonds",
    "projet_analytique",
    "societe",
)


def _common_cols() -> list[sa.Column]:
    return [sa.Column(c, sa.String) for c in _COMMON_CODES]


engagement = sa.Table(
    "engagement",
    metadata,
    sa.Column("id", sa.BigInteger, line_id_seq, server_default=line_id_seq.next_value(), primary_key=True),
    sa.Column("source_region", sa.String, nullable=False),
    sa.Column("n_ej", sa.String, nullable=False),
    sa.Column("n_poste_ej", sa.Integer, nullable=False),
    _pg_unique("ux_engagement_key", "source_region", "n_ej", "n_poste_ej"),
)

ae_annee = sa.Table(
    "ae_annee",
    metadata,
    sa.Column("engagement_id", sa.BigInteger, nullable=False),
    sa.Column("data_source", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    *_common_cols(),
    sa.Column("contrat_etat_region_label", sa.String),
    sa.Column("axe_ministeriel_1", sa.String),
    sa.Column("axe_ministeriel_2", sa.String),
    sa.Column("date_replication", sa.Date),
    sa.Column("date_modification_ej", sa.Date),
    sa.Column("montant", MONTANT, nullable=False),
    sa.Column("import_id", sa.BigInteger, nullable=False),
    sa.Column("ligne_fichier", sa.BigInteger),
    _pg_unique("ux_ae_annee_key", "engagement_id", "data_source", "annee"),
)
sa.Index("ix_ae_annee_feed", ae_annee.c.data_source, ae_annee.c.annee).ddl_if(dialect="postgresql")

cp = sa.Table(
    "cp",
    metadata,
    sa.Column("id", sa.BigInteger, line_id_seq, server_default=line_id_seq.next_value(), primary_key=True),
    sa.Column("data_source", sa.String, nullable=False),
    sa.Column("source_region", sa.String, nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("n_ej", sa.String),
    sa.Column("n_poste_ej", sa.Integer),
    sa.Column("n_dp", sa.String),
    sa.Column("n_poste_dp", sa.Integer),
    *_common_cols(),
    sa.Column("contrat_etat_region_label", sa.String),
    sa.Column("type_piece", sa.String),
    sa.Column("n_sf", sa.String),
    sa.Column("date_base_dp", sa.Date),
    sa.Column("date_derniere_operation_dp", sa.Date),
    sa.Column("date_sf", sa.Date),
    sa.Column("montant", MONTANT, nullable=False),
    sa.Column("import_id", sa.BigInteger, nullable=False),
    sa.Column("ligne_fichier", sa.BigInteger),
)
sa.Index("ix_cp_feed", cp.c.data_source, cp.c.source_region, cp.c.annee).ddl_if(dialect="postgresql")
sa.Index("ix_cp_ej", cp.c.source_region, cp.c.n_ej, cp.c.n_poste_ej).ddl_if(dialect="postgresql")

# Operators' aid (ADEME "aides attribuées", France 2030 laureates): one row per aid of a file.
aide = sa.Table(
    "aide",
    metadata,
    sa.Column("id", sa.BigInteger, line_id_seq, server_default=line_id_seq.next_value(), primary_key=True),
    sa.Column("source", sa.String, nullable=False),  # ADEME | FRANCE_2030
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("date_decision", sa.Date),
    sa.Column("reference", sa.String),
    sa.Column("siret", sa.String),
    sa.Column("beneficiaire_nom", sa.String),
    sa.Column("objet", sa.String),
    sa.Column("montant", MONTANT, nullable=False),
    sa.Column("operateur", sa.String),
    sa.Column("code_region", sa.String),  # when the file says it (France 2030)
    sa.Column("code_departement", sa.String),
    sa.Column("attributs", sa.Text),  # JSON: the file's other columns, shown on the line's page
    sa.Column("import_id", sa.BigInteger, nullable=False),
    sa.Column("ligne_fichier", sa.BigInteger),
)
sa.Index("ix_aide_source_annee", aide.c.source, aide.c.annee).ddl_if(dialect="postgresql")

# QPV "lieu de l'action": an EJ's amount split across the QPVs where the action takes place.
qpv_lieu_action = sa.Table(
    "qpv_lieu_action",
    metadata,
    sa.Column("id", sa.BigInteger, line_id_seq, server_default=line_id_seq.next_value(), primary_key=True),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("n_ej", sa.String, nullable=False),
    sa.Column("code_qpv", sa.String, nullable=False),  # the 2024 code when given, else the 2015 one
    sa.Column("code_qpv15", sa.String),
    sa.Column("code_qpv24", sa.String),
    sa.Column("montant", MONTANT, nullable=False),
    sa.Column("ref_action", sa.String),
    sa.Column("libelle_action", sa.String),
    sa.Column("siret", sa.String),
    sa.Column("import_id", sa.BigInteger, nullable=False),
    sa.Column("ligne_fichier", sa.BigInteger),
)
sa.Index("ix_qpv_lieu_action_ej", qpv_lieu_action.c.n_ej).ddl_if(dialect="postgresql")

# --- Read model -----------------------------------------------------------------------------

SOURCE_AE = "FINANCIAL_DATA_AE"
SOURCE_CP = "FINANCIAL_DATA_CP"
SOURCE_ADEME = "ADEME"
SOURCE_FRANCE_2030 = "FRANCE_2030"


def _geo_cols(prefix: str) -> list[sa.Column]:
    return [
        sa.Column(f"{prefix}_commune_code", sa.String),
        sa.Column(f"{prefix}_commune_label", sa.String),
        sa.Column(f"{prefix}_arrondissement_code", sa.String),
        sa.Column(f"{prefix}_arrondissement_label", sa.String),
        sa.Column(f"{prefix}_departement_code", sa.String),
        sa.Column(f"{prefix}_departement_label", sa.String),
        sa.Column(f"{prefix}_region_code", sa.String),
        sa.Column(f"{prefix}_region_label", sa.String),
        sa.Column(f"{prefix}_epci_code", sa.String),
        sa.Column(f"{prefix}_epci_label", sa.String),
    ]


ligne = sa.Table(
    "ligne",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),  # engagement, cp or aide id
    # 0: the line (or what is left of it after its QPV split); 1..n: its part in a QPV lieu d'action.
    sa.Column("partie", sa.SmallInteger, primary_key=True, autoincrement=False, server_default="0"),
    sa.Column(
        "source", sa.String, nullable=False
    ),  # FINANCIAL_DATA_AE | FINANCIAL_DATA_CP | ADEME | FRANCE_2030
    sa.Column("data_source", sa.String),
    sa.Column("source_region", sa.String),
    sa.Column("n_ej", sa.String),
    sa.Column("n_poste_ej", sa.Integer),
    sa.Column("n_dp", sa.String),
    sa.Column("annee", sa.Integer),
    sa.Column("montant_ae", MONTANT, nullable=False),
    sa.Column("montant_cp", MONTANT, nullable=False),
    sa.Column("nombre_cp", sa.Integer, nullable=False),
    sa.Column("date_creation", sa.Date),
    sa.Column("date_modification", sa.Date),
    sa.Column("date_dernier_paiement", sa.Date),
    sa.Column("programme_code", sa.String),
    sa.Column("programme_label", sa.String),
    sa.Column("programme_theme", sa.String),
    sa.Column("ministere_code", sa.String),
    sa.Column("ministere_label", sa.String),
    sa.Column("domaine_fonctionnel_code", sa.String),
    sa.Column("domaine_fonctionnel_label", sa.String),
    sa.Column("referentiel_programmation_code", sa.String),
    sa.Column("referentiel_programmation_label", sa.String),
    sa.Column("centre_couts_code", sa.String),
    sa.Column("centre_couts_label", sa.String),
    sa.Column("centre_couts_departement_code", sa.String),
    sa.Column("groupe_marchandise_code", sa.String),
    sa.Column("groupe_marchandise_label", sa.String),
    sa.Column("compte_budgetaire", sa.String),
    sa.Column("compte_general", sa.String),
    sa.Column("contrat_etat_region", sa.String),
    sa.Column("fournisseur_code", sa.String),
    sa.Column("fournisseur_label", sa.String),
    sa.Column("beneficiaire_code", sa.String),
    sa.Column("beneficiaire_denomination", sa.String),
    sa.Column("beneficiaire_categorie_juridique", sa.String),
    sa.Column("beneficiaire_categorie_juridique_type", sa.String),
    sa.Column("beneficiaire_naf", sa.String),  # activité principale (enrichment)
    *_geo_cols("beneficiaire"),
    sa.Column("localisation_code", sa.String),
    sa.Column("localisation_label", sa.String),
    *_geo_cols("localisation"),
    sa.Column("reference", sa.String),  # an operator's decision reference (ADEME, France 2030)
    sa.Column("objet", sa.String),  # what the aid is for (operators) or the action (QPV lieu d'action)
    sa.Column("operateur", sa.String),  # ADEME, Bpifrance, ANR… for operators' aid
    sa.Column("beneficiaire_qpv_code", sa.String),  # 2015 division
    sa.Column("beneficiaire_qpv_label", sa.String),
    sa.Column("beneficiaire_qpv24_code", sa.String),  # 2024 division
    sa.Column("beneficiaire_qpv24_label", sa.String),
    sa.Column("lieu_action_qpv_code", sa.String),
    sa.Column("lieu_action_qpv_label", sa.String),
    sa.Column("qpv_code", sa.String),  # where the line lands: its lieu d'action, else its beneficiary's QPV
    sa.Column("qpv_label", sa.String),
    sa.Column("tags", sa.String),  # space-separated type:value list
    sa.Column("updated_at", sa.DateTime),
)
sa.Index("ix_ligne_region_annee", ligne.c.source_region, ligne.c.annee).ddl_if(dialect="postgresql")
sa.Index("ix_ligne_key", ligne.c.source_region, ligne.c.n_ej, ligne.c.n_poste_ej).ddl_if(dialect="postgresql")
sa.Index("ix_ligne_programme", ligne.c.programme_code).ddl_if(dialect="postgresql")
sa.Index("ix_ligne_beneficiaire", ligne.c.beneficiaire_code).ddl_if(dialect="postgresql")
sa.Index("ix_ligne_qpv", ligne.c.qpv_code).ddl_if(dialect="postgresql")
