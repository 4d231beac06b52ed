"""Postal codes of the communes (`ref_code_postal`), for the commune look-up by postal code.

A base that already holds its referentials gets the bundled postal codes here (a new base gets them
with the other bundled referentials, `store.database.init`).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ref_code_postal",
        sa.Column("code_postal", sa.String(), nullable=False),
        sa.Column("code_commune", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code_postal", "code_commune"),
    )
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM ref_commune")).scalar_one():
        from dataetat.referentiels.bundled import load_bundled_table
        from dataetat.store.engine import insert_arrow

        frame = load_bundled_table("code_postal")
        if frame is not None:
            insert_arrow(conn, "ref_code_postal", frame.to_arrow())


def downgrade() -> None:
    op.drop_table("ref_code_postal")
