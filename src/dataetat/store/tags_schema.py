"""Tables of the tags, on the same metadata as store/schema.py: the rules (a search of the query
contract + a tag, store/tag_regles.py) and the manual tags of AE lines (query/etiquetage.py)."""

from __future__ import annotations

import sqlalchemy as sa

from dataetat.store.schema import metadata

# --- Tags: rules (a search of the query contract + a tag) and manual tags ----------------------

tag_regle_id_seq = sa.Sequence("tag_regle_id_seq", metadata=metadata)
tag_regle = sa.Table(
    "tag_regle",
    metadata,
    sa.Column(
        "id", sa.BigInteger, tag_regle_id_seq, server_default=tag_regle_id_seq.next_value(), primary_key=True
    ),
    sa.Column("tag", sa.String, nullable=False),  # type or type:valeur
    sa.Column("parametres", sa.Text, nullable=False),  # query string of the search contract
    sa.Column("description", sa.String),
    sa.Column("actif", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("modifie_le", sa.DateTime),
    sa.Column("modifie_par", sa.String),
)
# Manual tags of an AE line (EJ/poste), replaced by each upload that names the line.
tag_manuel = sa.Table(
    "tag_manuel",
    metadata,
    sa.Column("n_ej", sa.String, primary_key=True),
    sa.Column("n_poste_ej", sa.Integer, primary_key=True),
    sa.Column("tags", sa.String, nullable=False),  # space-separated
    sa.Column("import_id", sa.BigInteger),
)
