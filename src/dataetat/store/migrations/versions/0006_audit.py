"""Audit log (`audit`): logins, imports, exports, referential loads and account changes.

Revision ID: audit
Revises: 0005_recherches
"""

import sqlalchemy as sa
from alembic import op

revision = "audit"
down_revision = "0005_recherches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("audit_id_seq")))
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('audit_id_seq')"), nullable=False),
        sa.Column("quand", sa.DateTime(), nullable=False),
        sa.Column("qui", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("resultat", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        op.create_index("ix_audit_quand", "audit", ["quand"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_audit_quand", table_name="audit")
    op.drop_table("audit")
    op.execute(sa.schema.DropSequence(sa.Sequence("audit_id_seq")))
