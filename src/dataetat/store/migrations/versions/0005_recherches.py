"""Saved searches ("Mes recherches") and their shares: `recherche_sauvegardee` (owner, name, the
search as versioned JSON keyed by URL parameter codes) and `recherche_partage` (one row per
recipient e-mail, with who shared and when).

Revision ID: 0005_recherches
Revises: 0004_comptes
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_recherches"
down_revision = "0004_comptes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("recherche_sauvegardee_id_seq")))
    op.create_table(
        "recherche_sauvegardee",
        sa.Column(
            "id",
            sa.BigInteger(),
            server_default=sa.text("nextval('recherche_sauvegardee_id_seq')"),
            nullable=False,
        ),
        sa.Column("proprietaire", sa.String(), nullable=False),
        sa.Column("nom", sa.String(), nullable=False),
        sa.Column("contenu", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.Column("modifie_le", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "recherche_partage",
        sa.Column("recherche_id", sa.BigInteger(), nullable=False),
        sa.Column("destinataire", sa.String(), nullable=False),
        sa.Column("partage_par", sa.String(), nullable=False),
        sa.Column("partage_le", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recherche_id", "destinataire"),
    )
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        op.create_index(
            "ux_recherche_proprietaire_nom", "recherche_sauvegardee", ["proprietaire", "nom"], unique=True
        )
        op.create_index("ix_recherche_partage_destinataire", "recherche_partage", ["destinataire"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_recherche_partage_destinataire", table_name="recherche_partage")
        op.drop_index("ux_recherche_proprietaire_nom", table_name="recherche_sauvegardee")
    op.drop_table("recherche_partage")
    op.drop_table("recherche_sauvegardee")
    op.execute(sa.schema.DropSequence(sa.Sequence("recherche_sauvegardee_id_seq")))
