"""Every limiter shared through the database, not the login one only: `connexion_echec` becomes
`limite_evenement` (events counted per key in a sliding window: login failures, open validations) and
`connexion_essai` becomes `limite_creneau` (the last slot taken per key: a paced login, an outside
service's calls). `connexion_connue` stays the login's own.

Revision ID: limites
Revises: marches_groupes
"""

from alembic import op

revision = "limites"
down_revision = "marches_groupes"
branch_labels = None
depends_on = None

RENAMED = (("connexion_echec", "limite_evenement"), ("connexion_essai", "limite_creneau"))
INDEXES = (("ix_connexion_echec_cle", "ix_limite_evenement_cle"), ("ix_connexion_echec_instant", "ix_limite_evenement_instant"))  # fmt: skip


def upgrade() -> None:
    for old, new in RENAMED:
        op.rename_table(old, new)
    if op.get_bind().dialect.name == "postgresql":  # as in 0001: indexes on PostgreSQL only
        for old, new in INDEXES:
            op.execute(f"ALTER INDEX {old} RENAME TO {new}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for old, new in INDEXES:
            op.execute(f"ALTER INDEX {new} RENAME TO {old}")
    for old, new in RENAMED:
        op.rename_table(new, old)
