"""Public procurement (DECP): `marche`, `marche_titulaire`, `marche_modification` and the flat read
model `marche_ligne` (one row per marché and titulaire). Indexes on PostgreSQL only, as in 0001.

Revision ID: marches
Revises: moissonnage
"""

import sqlalchemy as sa
from alembic import op

revision = "marches"
down_revision = "moissonnage"
branch_labels = None
depends_on = None

MONTANT = sa.Numeric(18, 2)


def upgrade() -> None:
    op.create_table(
        "marche",
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("num", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("acheteur_id", sa.String(), nullable=False),
        sa.Column("acheteur_nom", sa.String()),
        sa.Column("nature", sa.String()),
        sa.Column("objet", sa.String()),
        sa.Column("objet_plie", sa.String()),
        sa.Column("code_cpv", sa.String()),
        sa.Column("procedure", sa.String()),
        sa.Column("techniques", sa.String()),
        sa.Column("modalites_execution", sa.String()),
        sa.Column("ccag", sa.String()),
        sa.Column("offres_recues", sa.Integer()),
        sa.Column("forme_prix", sa.String()),
        sa.Column("types_prix", sa.String()),
        sa.Column("attribution_avance", sa.Boolean()),
        sa.Column("taux_avance", sa.Float()),
        sa.Column("marche_innovant", sa.Boolean()),
        sa.Column("sous_traitance_declaree", sa.Boolean()),
        sa.Column("type_groupement", sa.String()),
        sa.Column("considerations_sociales", sa.String()),
        sa.Column("considerations_environnementales", sa.String()),
        sa.Column("origine_ue", sa.Float()),
        sa.Column("origine_france", sa.Float()),
        sa.Column("lieu_code", sa.String()),
        sa.Column("lieu_type_code", sa.String()),
        sa.Column("id_accord_cadre", sa.String()),
        sa.Column("date_notification", sa.Date()),
        sa.Column("date_publication", sa.Date()),
        sa.Column("duree_mois", sa.Integer()),
        sa.Column("montant", MONTANT),
        sa.Column("duree_mois_initiale", sa.Integer()),
        sa.Column("montant_initial", MONTANT),
        sa.Column("nombre_modifications", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("nombre_titulaires", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("acheteur_commune_code", sa.String()),
        sa.Column("source", sa.String()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("ligne_fichier", sa.BigInteger()),
    )
    op.create_table(
        "marche_titulaire",
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("num", sa.BigInteger(), nullable=False),
        sa.Column("rang", sa.Integer(), nullable=False),
        sa.Column("titulaire_id", sa.String()),
        sa.Column("type_identifiant", sa.String()),
        sa.Column("nom", sa.String()),
        sa.Column("commune_code", sa.String()),
        sa.Column("categorie", sa.String()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "marche_modification",
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("modification_id", sa.Integer(), nullable=False),
        sa.Column("date_notification", sa.Date()),
        sa.Column("date_publication", sa.Date()),
        sa.Column("duree_mois", sa.Integer()),
        sa.Column("montant", MONTANT),
        sa.Column("titulaires", sa.String()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "marche_ligne",
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("num", sa.BigInteger(), nullable=False),
        sa.Column("rang", sa.Integer(), nullable=False),
        sa.Column("id", sa.String()),
        sa.Column("acheteur_id", sa.String()),
        sa.Column("acheteur_nom", sa.String()),
        sa.Column("titulaire_id", sa.String()),
        sa.Column("titulaire_type_identifiant", sa.String()),
        sa.Column("titulaire_nom", sa.String()),
        sa.Column("titulaire_commune_code", sa.String()),
        sa.Column("titulaire_commune_label", sa.String()),
        sa.Column("titulaire_categorie", sa.String()),
        sa.Column("titulaire_categorie_juridique_type", sa.String()),
        sa.Column("objet", sa.String()),
        sa.Column("objet_plie", sa.String()),
        sa.Column("cpv_code", sa.String()),
        sa.Column("cpv_label", sa.String()),
        sa.Column("cpv_division_code", sa.String()),
        sa.Column("cpv_division_label", sa.String()),
        sa.Column("nature", sa.String()),
        sa.Column("procedure", sa.String()),
        sa.Column("forme_prix", sa.String()),
        sa.Column("montant", MONTANT),
        sa.Column("montant_part", MONTANT),
        sa.Column("date_notification", sa.Date()),
        sa.Column("annee", sa.Integer()),
        sa.Column("duree_mois", sa.Integer()),
        sa.Column("nombre_titulaires", sa.Integer()),
        sa.Column("nombre_modifications", sa.Integer()),
        sa.Column("lieu_code", sa.String()),
        sa.Column("lieu_type_code", sa.String()),
        sa.Column("lieu_commune_code", sa.String()),
        sa.Column("lieu_commune_label", sa.String()),
        sa.Column("lieu_departement_code", sa.String()),
        sa.Column("lieu_departement_label", sa.String()),
        sa.Column("lieu_region_code", sa.String()),
        sa.Column("lieu_region_label", sa.String()),
        sa.Column("acheteur_commune_code", sa.String()),
        sa.Column("acheteur_region_code", sa.String()),
        sa.Column("region_code", sa.String()),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_marche_acheteur", "marche", ["acheteur_id"])
        op.create_index("ix_marche_import", "marche", ["import_id"])
        op.create_index("ux_marche_uid", "marche", ["uid"], unique=True)
        op.create_index("ix_marche_titulaire_uid", "marche_titulaire", ["uid"])
        op.create_index("ix_marche_modification_uid", "marche_modification", ["uid"])
        op.create_index("ix_marche_ligne_acheteur", "marche_ligne", ["acheteur_id"])
        op.create_index("ix_marche_ligne_region", "marche_ligne", ["region_code", "annee"])
        op.create_index("ix_marche_ligne_titulaire", "marche_ligne", ["titulaire_id"])
        op.create_index("ix_marche_ligne_uid", "marche_ligne", ["uid"])


def downgrade() -> None:
    for name in ("marche_ligne", "marche_modification", "marche_titulaire", "marche"):
        op.drop_table(name)
