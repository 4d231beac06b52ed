"""Several hosts: the login limiter shared in the database (`connexion_echec`, `connexion_essai`,
`connexion_connue`), the tries of a job and who runs it (`tache.tentatives`, `tache.executant`), and
`tache_ecrite`: the import of a job written (in the import's own transaction), so that a job taken
again after its worker died never imports twice.

Revision ID: cluster
Revises: marches
"""

import sqlalchemy as sa
from alembic import op

revision = "cluster"
down_revision = "marches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connexion_echec",
        sa.Column("cle", sa.String(), nullable=False),
        sa.Column("instant", sa.Double(), nullable=False),
    )
    op.create_table(
        "connexion_essai",
        sa.Column("cle", sa.String(), nullable=False),
        sa.Column("instant", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("cle"),
    )
    op.create_table(
        "connexion_connue",
        sa.Column("paire", sa.String(), nullable=False),
        sa.Column("instant", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("paire"),
    )
    op.create_table(
        "tache_ecrite",
        sa.Column("tache_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("ecrit_le", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tache_id"),
    )
    op.add_column("tache", sa.Column("tentatives", sa.Integer(), server_default="0", nullable=False))
    op.add_column("tache", sa.Column("executant", sa.String()))
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        op.create_index("ix_connexion_echec_cle", "connexion_echec", ["cle", "instant"])
        op.create_index("ix_connexion_echec_instant", "connexion_echec", ["instant"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_connexion_echec_instant", table_name="connexion_echec")
        op.drop_index("ix_connexion_echec_cle", table_name="connexion_echec")
    op.drop_column("tache", "executant")
    op.drop_column("tache", "tentatives")
    for table in ("tache_ecrite", "connexion_connue", "connexion_essai", "connexion_echec"):
        op.drop_table(table)
