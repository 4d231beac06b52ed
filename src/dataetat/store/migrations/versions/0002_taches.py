"""Jobs table (`tache`): persisted status, progress and result of exports run in the background.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("tache_id_seq")))
    op.create_table(
        "tache",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('tache_id_seq')"), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("statut", sa.String(), nullable=False),
        sa.Column("proprietaire", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("parametres", sa.Text(), nullable=False),
        sa.Column("libelle", sa.String(), nullable=False),
        sa.Column("progression", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("resultat", sa.Text(), nullable=True),
        sa.Column("erreur", sa.Text(), nullable=True),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("debute_le", sa.DateTime(), nullable=True),
        sa.Column("termine_le", sa.DateTime(), nullable=True),
        sa.Column("battement", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        op.create_index("ix_tache_proprietaire", "tache", ["proprietaire", "id"])
        op.create_index("ix_tache_statut", "tache", ["statut", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_tache_statut", table_name="tache")
        op.drop_index("ix_tache_proprietaire", table_name="tache")
    op.drop_table("tache")
    op.execute(sa.schema.DropSequence(sa.Sequence("tache_id_seq")))
