"""Local accounts (`compte`) of the embedded mode: e-mail, role, région, Argon2 hash, version.

Revision ID: 0004_comptes
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_comptes"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("compte_id_seq")))
    op.create_table(
        "compte",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('compte_id_seq')"), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("nom", sa.String(), nullable=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("actif", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("mot_de_passe", sa.String(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("modifie_le", sa.DateTime(), nullable=False),
        sa.Column("derniere_connexion", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_compte_email"),
    )


def downgrade() -> None:
    op.drop_table("compte")
    op.execute(sa.schema.DropSequence(sa.Sequence("compte_id_seq")))
