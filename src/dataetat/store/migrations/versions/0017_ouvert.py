"""The published open cells, stored (`ouvert_cellule`) with the threshold they were computed with
(`ouvert_etat`): rewritten by every import, read by the anonymous open pages.

Revision ID: ouvert
Revises: limites
"""

import sqlalchemy as sa
from alembic import op

revision = "ouvert"
down_revision = "limites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ouvert_cellule",
        sa.Column("famille", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("niveau", sa.String(), nullable=False),
        sa.Column("zone_code", sa.String(), nullable=False),
        sa.Column("zone_libelle", sa.String()),
        sa.Column("annee", sa.Integer(), nullable=False),
        sa.Column("programme_code", sa.String(), nullable=False),
        sa.Column("programme_libelle", sa.String()),
        sa.Column("theme", sa.String()),
        sa.Column("lignes", sa.BigInteger(), nullable=False),
        sa.Column("montant_ae", sa.Numeric(18, 2), nullable=False),
        sa.Column("montant_cp", sa.Numeric(18, 2), nullable=False),
        sa.Column("beneficiaires", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_ouvert_cellule_zone", "ouvert_cellule", ["niveau", "zone_code"])
    op.create_table(
        "ouvert_etat",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seuil", sa.Integer(), nullable=False),
        sa.Column("calcule_le", sa.DateTime(), nullable=False),
        sa.Column("secondes", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ouvert_etat")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ouvert_cellule_zone", table_name="ouvert_cellule")
    op.drop_table("ouvert_cellule")
