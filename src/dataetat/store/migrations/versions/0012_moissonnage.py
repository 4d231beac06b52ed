"""Harvest of DECP catalogues: `decp_catalogue` (the register), `decp_moisson` (one row per harvest:
the conformity history), `decp_distribution` (each distribution seen, its file's hash and report).

Revision ID: moissonnage
Revises: subventions
"""

import sqlalchemy as sa
from alembic import op

revision = "moissonnage"
down_revision = "subventions"
branch_labels = None
depends_on = None

SEQUENCES = ("decp_catalogue_id_seq", "decp_moisson_id_seq", "decp_distribution_id_seq")


def _id(seq: str) -> sa.Column:
    return sa.Column("id", sa.BigInteger(), server_default=sa.text(f"nextval('{seq}')"), nullable=False)


def upgrade() -> None:
    for seq in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(seq)))
    op.create_table(
        "decp_catalogue",
        _id("decp_catalogue_id_seq"),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("producteur_siret", sa.String()),
        sa.Column("producteur_nom", sa.String()),
        sa.Column("zone_code", sa.String()),
        sa.Column("zone_niveau", sa.String()),
        sa.Column("contact", sa.String()),
        sa.Column("ajoute_le", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    op.create_table(
        "decp_moisson",
        _id("decp_moisson_id_seq"),
        sa.Column("catalogue_id", sa.BigInteger(), nullable=False),
        sa.Column("debut", sa.DateTime(), nullable=False),
        sa.Column("fin", sa.DateTime()),
        sa.Column("statut", sa.String(), nullable=False),
        sa.Column("pages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("jeux", sa.Integer(), server_default="0", nullable=False),
        sa.Column("distributions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fichiers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fichiers_deja_vus", sa.Integer(), server_default="0", nullable=False),
        sa.Column("enregistrements", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("valides", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("importes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("erreurs", sa.Text()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "decp_distribution",
        _id("decp_distribution_id_seq"),
        sa.Column("catalogue_id", sa.BigInteger(), nullable=False),
        sa.Column("moisson_id", sa.BigInteger(), nullable=False),
        sa.Column("jeu_identifiant", sa.String()),
        sa.Column("jeu_titre", sa.String()),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("titre", sa.String()),
        sa.Column("conforme_decp", sa.Boolean(), nullable=False),
        sa.Column("statut", sa.String(), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("empreinte", sa.String()),
        sa.Column("taille", sa.BigInteger()),
        sa.Column("enregistrements", sa.BigInteger()),
        sa.Column("valides", sa.BigInteger()),
        sa.Column("erreurs", sa.BigInteger()),
        sa.Column("avertissements", sa.BigInteger()),
        sa.Column("importes", sa.BigInteger()),
        sa.Column("rapport", sa.Text()),
        sa.Column("moissonne_le", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        op.create_index("ix_decp_distribution_empreinte", "decp_distribution", ["empreinte"])
        op.create_index("ix_decp_moisson_catalogue", "decp_moisson", ["catalogue_id", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_decp_moisson_catalogue", "decp_moisson")
        op.drop_index("ix_decp_distribution_empreinte", "decp_distribution")
    for table in ("decp_distribution", "decp_moisson", "decp_catalogue"):
        op.drop_table(table)
    for seq in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(seq)))
