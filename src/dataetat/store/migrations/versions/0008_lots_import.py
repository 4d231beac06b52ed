"""Import lots and the previous state they replaced (« annuler le dernier import »): `import_lot`,
`import_lot_flux` (per feed: lines and Σ before and after), `ae_annee_avant` and `cp_avant`.

Revision ID: lots_import
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "lots_import"
down_revision = "0007"
branch_labels = None
depends_on = None

MONTANT = sa.Numeric(18, 2)


def upgrade() -> None:
    op.create_table(
        "import_lot",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("import_ids", sa.String(), nullable=False),
        sa.Column("qui", sa.String()),
        sa.Column("region", sa.String()),
        sa.Column("quand", sa.DateTime(), nullable=False),
        sa.Column("statut", sa.String(), nullable=False),
        sa.Column("annule_par", sa.String()),
        sa.Column("annule_le", sa.DateTime()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "import_lot_flux",
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("data_source", sa.String(), nullable=False),
        sa.Column("source_region", sa.String(), nullable=False),
        sa.Column("annee", sa.Integer(), nullable=False),
        sa.Column("lignes_avant", sa.BigInteger(), nullable=False),
        sa.Column("somme_avant", MONTANT, nullable=False),
        sa.Column("lignes_apres", sa.BigInteger(), nullable=False),
        sa.Column("somme_apres", MONTANT, nullable=False),
    )
    op.create_table(
        "ae_annee_avant",
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("source_region", sa.String()),
        sa.Column("n_ej", sa.String()),
        sa.Column("n_poste_ej", sa.Integer()),
        sa.Column("engagement_id", sa.BigInteger()),
        sa.Column("data_source", sa.String()),
        sa.Column("annee", sa.Integer()),
        sa.Column("programme", sa.String()),
        sa.Column("domaine_fonctionnel", sa.String()),
        sa.Column("centre_couts", sa.String()),
        sa.Column("referentiel_programmation", sa.String()),
        sa.Column("siret", sa.String()),
        sa.Column("compte_general", sa.String()),
        sa.Column("compte_budgetaire", sa.String()),
        sa.Column("groupe_marchandise", sa.String()),
        sa.Column("contrat_etat_region", sa.String()),
        sa.Column("localisation_interministerielle", sa.String()),
        sa.Column("fournisseur_code", sa.String()),
        sa.Column("fournisseur_label", sa.String()),
        sa.Column("centre_financier", sa.String()),
        sa.Column("tranche_fonctionnelle", sa.String()),
        sa.Column("fonds", sa.String()),
        sa.Column("projet_analytique", sa.String()),
        sa.Column("societe", sa.String()),
        sa.Column("contrat_etat_region_label", sa.String()),
        sa.Column("axe_ministeriel_1", sa.String()),
        sa.Column("axe_ministeriel_2", sa.String()),
        sa.Column("date_replication", sa.Date()),
        sa.Column("date_modification_ej", sa.Date()),
        sa.Column("montant", MONTANT),
        sa.Column("import_id", sa.BigInteger()),
        sa.Column("ligne_fichier", sa.BigInteger()),
    )
    op.create_table(
        "cp_avant",
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger()),
        sa.Column("data_source", sa.String()),
        sa.Column("source_region", sa.String()),
        sa.Column("annee", sa.Integer()),
        sa.Column("n_ej", sa.String()),
        sa.Column("n_poste_ej", sa.Integer()),
        sa.Column("n_dp", sa.String()),
        sa.Column("n_poste_dp", sa.Integer()),
        sa.Column("programme", sa.String()),
        sa.Column("domaine_fonctionnel", sa.String()),
        sa.Column("centre_couts", sa.String()),
        sa.Column("referentiel_programmation", sa.String()),
        sa.Column("siret", sa.String()),
        sa.Column("compte_general", sa.String()),
        sa.Column("compte_budgetaire", sa.String()),
        sa.Column("groupe_marchandise", sa.String()),
        sa.Column("contrat_etat_region", sa.String()),
        sa.Column("localisation_interministerielle", sa.String()),
        sa.Column("fournisseur_code", sa.String()),
        sa.Column("fournisseur_label", sa.String()),
        sa.Column("centre_financier", sa.String()),
        sa.Column("tranche_fonctionnelle", sa.String()),
        sa.Column("fonds", sa.String()),
        sa.Column("projet_analytique", sa.String()),
        sa.Column("societe", sa.String()),
        sa.Column("contrat_etat_region_label", sa.String()),
        sa.Column("type_piece", sa.String()),
        sa.Column("n_sf", sa.String()),
        sa.Column("date_base_dp", sa.Date()),
        sa.Column("date_derniere_operation_dp", sa.Date()),
        sa.Column("date_sf", sa.Date()),
        sa.Column("montant", MONTANT),
        sa.Column("import_id", sa.BigInteger()),
        sa.Column("ligne_fichier", sa.BigInteger()),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_import_lot_flux_lot", "import_lot_flux", ["lot_id"])
        op.create_index("ix_ae_annee_avant_lot", "ae_annee_avant", ["lot_id"])
        op.create_index("ix_cp_avant_lot", "cp_avant", ["lot_id"])


def downgrade() -> None:
    for name in ("cp_avant", "ae_annee_avant", "import_lot_flux", "import_lot"):
        op.drop_table(name)
