"""Enrichment of beneficiaries from the company registers (the columns of `beneficiaire` kept per
SIRET, its source and refresh; the read model's `beneficiaire_naf`) and the schedule's `planification` (one row per task and slot).

Revision ID: enrichissement
Revises: lots_import
"""

import sqlalchemy as sa
from alembic import op

revision = "enrichissement"
down_revision = "lots_import"
branch_labels = None
depends_on = None

COLUMNS = [
    ("source", sa.String()),
    ("siren", sa.String()),
    ("enseigne", sa.String()),
    ("naf", sa.String()),
    ("tranche_effectif", sa.String()),
    ("siege", sa.Boolean()),
    ("adresse", sa.String()),
    ("latitude", sa.Float()),
    ("longitude", sa.Float()),
    ("etat_administratif", sa.String()),
    ("date_fermeture", sa.Date()),
    ("non_diffusible", sa.Boolean()),
    ("introuvable", sa.Boolean()),
]


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("beneficiaire", sa.Column(name, type_))
    op.execute("UPDATE beneficiaire SET source = 'sirene'")
    op.add_column("ligne", sa.Column("beneficiaire_naf", sa.String()))
    op.create_table(
        "planification",
        sa.Column("tache", sa.String(), nullable=False),
        sa.Column("creneau", sa.DateTime(), nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("tache_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("tache", "creneau"),
    )


def downgrade() -> None:
    op.drop_table("planification")
    op.drop_column("ligne", "beneficiaire_naf")
    for name, _ in reversed(COLUMNS):
        op.drop_column("beneficiaire", name)
