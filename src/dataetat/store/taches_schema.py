"""Tables of background jobs and of the schedule, on the same metadata as store/schema.py.

- `tache`: one row per job (export, uploaded import, enrichment), its state, lease and result
  (store/taches.py, jobs/execution.py);
- `tache_ecrite`: the import of a job was written (a job taken again never imports twice);
- `planification`: one row per (scheduled task, slot) won by the worker that runs it (jobs/planning.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from dataetat.store.schema import metadata

# --- Jobs (exports now; imports and enrichments later) ----------------------------------------

tache_id_seq = sa.Sequence("tache_id_seq", metadata=metadata)

tache = sa.Table(
    "tache",
    metadata,
    sa.Column("id", sa.BigInteger, tache_id_seq, server_default=tache_id_seq.next_value(), primary_key=True),
    sa.Column("type", sa.String, nullable=False),  # export
    sa.Column("statut", sa.String, nullable=False),  # en-attente, en-cours, terminee, echec
    sa.Column("proprietaire", sa.String, nullable=False),  # who asked (identity), sees it in "Mes exports"
    sa.Column("region", sa.String),  # the identity's région scope when asked (None: national)
    sa.Column("parametres", sa.Text, nullable=False),  # JSON: what to do
    sa.Column("libelle", sa.String, nullable=False),  # French one-line description for the lists
    sa.Column("progression", sa.BigInteger, nullable=False, server_default="0"),  # lines done
    sa.Column("total", sa.BigInteger),  # lines expected, when known
    sa.Column("resultat", sa.Text),  # JSON: file name, size, lines
    sa.Column("erreur", sa.Text),
    sa.Column("cree_le", sa.DateTime, nullable=False),
    sa.Column("debute_le", sa.DateTime),
    sa.Column("termine_le", sa.DateTime),
    sa.Column("battement", sa.DateTime),  # last sign of life of the worker running it: its lease
    sa.Column("tentatives", sa.Integer, nullable=False, server_default="0"),  # claims so far
    sa.Column("executant", sa.String),  # host:pid of the worker running it (the last one)
)
# The import of a job was written, in the import's own transaction: a job taken again after its worker
# died finishes from this row instead of importing twice (jobs/execution.py).
tache_ecrite = sa.Table(
    "tache_ecrite",
    metadata,
    sa.Column("tache_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("details", sa.Text, nullable=False),  # JSON: the audit details of the import
    sa.Column("ecrit_le", sa.DateTime, nullable=False),
)
sa.Index("ix_tache_proprietaire", tache.c.proprietaire, tache.c.id).ddl_if(dialect="postgresql")
sa.Index("ix_tache_statut", tache.c.statut, tache.c.id).ddl_if(dialect="postgresql")

# --- Schedule: one row per (task, slot) won by the worker that runs it (jobs/planning.py) ---------

planification = sa.Table(
    "planification",
    metadata,
    sa.Column("tache", sa.String, primary_key=True),  # the scheduled task's name: enrichissement, …
    sa.Column("creneau", sa.DateTime, primary_key=True),  # the slot (day and time) it runs for
    sa.Column("cree_le", sa.DateTime, nullable=False),
    sa.Column("tache_id", sa.BigInteger),  # the job it queued, when it queued one
)
