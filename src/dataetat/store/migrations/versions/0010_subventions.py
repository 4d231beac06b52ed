"""The cache of Data Subvention's answers (`subvention_cache`, see store/subventions.py).

Revision ID: subventions
Revises: enrichissement
"""

import sqlalchemy as sa
from alembic import op

revision = "subventions"
down_revision = "enrichissement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subvention_cache",
        sa.Column("identifiant", sa.String(), nullable=False),
        sa.Column("etat", sa.String(), nullable=False),
        sa.Column("recupere_le", sa.DateTime(), nullable=False),
        sa.Column("donnees", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("identifiant"),
    )


def downgrade() -> None:
    op.drop_table("subvention_cache")
