"""« Commande publique » on PostgreSQL: the indexes of the search's filters and totals on the read
model `marche_ligne` (store/marches_schema.py says which and why), the trigram index of the objet
word search (extension pg_trgm); on both databases, the pre-aggregated groups of the columns added
to store/marches_groupes.py (the unfiltered totals read them); the groups' index in their order.

Without the right to create the extension pg_trgm, the migration goes on without the objet index (a
warning in French says how to add it): the search then reads every objet, as before.

Revision ID: marches_index
Revises: ouvert
"""

import logging

from alembic import op

from dataetat.store import marches_groupes
from dataetat.store.marches_schema import INDEX_RECHERCHE, IX_GROUPE, TRIGRAMMES, trigram_ready

revision = "marches_index"
down_revision = "ouvert"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for index in INDEX_RECHERCHE:
            index.create(bind)
        op.drop_index("ix_marche_groupe", table_name="marche_groupe")
        IX_GROUPE.create(bind)  # in the groups' order (montant descending, then code)
        if trigram_ready(bind):
            TRIGRAMMES.create(bind)
        else:
            log.warning(
                "Extension PostgreSQL pg_trgm indisponible (droits insuffisants ?) : la recherche "
                "par mots de l'objet des marchés lira tous les objets. Un administrateur peut "
                "l'ajouter : CREATE EXTENSION pg_trgm; puis CREATE INDEX %s ON marche_ligne "
                "USING gin (objet_plie gin_trgm_ops);",
                TRIGRAMMES.name,
            )
        bind.exec_driver_sql("ANALYZE marche_ligne")
    marches_groupes.refresh(bind)


def downgrade() -> None:
    # The extra pre-aggregated groups stay: the code of 0017 reads only its own columns'.
    if op.get_bind().dialect.name == "postgresql":
        for index in (*INDEX_RECHERCHE, TRIGRAMMES):
            op.get_bind().exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        op.drop_index("ix_marche_groupe", table_name="marche_groupe")
        op.create_index("ix_marche_groupe", "marche_groupe", ["colonne", "montant"])
