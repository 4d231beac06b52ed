"""`marche_groupe`: the pre-aggregated groups of the DECP read model by a column of many groups
(store/marches_groupes.py), filled here from the marchés already imported.

Revision ID: marches_groupes
Revises: cluster
"""

import sqlalchemy as sa
from alembic import op

from dataetat.store import marches_groupes

revision = "marches_groupes"
down_revision = "cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marche_groupe",
        sa.Column("colonne", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("lignes", sa.BigInteger(), nullable=False),
        sa.Column("marches", sa.BigInteger(), nullable=False),
        sa.Column("montant", sa.Numeric(24, 2), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_marche_groupe", "marche_groupe", ["colonne", "montant"])
    marches_groupes.refresh(op.get_bind())


def downgrade() -> None:
    op.drop_table("marche_groupe")
