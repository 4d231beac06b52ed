"""Tables of the harvest of DECP catalogues (decp/moisson/): the register of catalogues, one row per
harvest (the conformity history of a producer) and one per distribution seen (its file's hash,
validation counts and report). Migration 0012_moissonnage creates the same on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from dataetat.store.schema import metadata

decp_catalogue_id_seq = sa.Sequence("decp_catalogue_id_seq", metadata=metadata)
decp_moisson_id_seq = sa.Sequence("decp_moisson_id_seq", metadata=metadata)
decp_distribution_id_seq = sa.Sequence("decp_distribution_id_seq", metadata=metadata)

decp_catalogue = sa.Table(
    "decp_catalogue",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger,
        decp_catalogue_id_seq,
        server_default=decp_catalogue_id_seq.next_value(),
        primary_key=True,
    ),
    sa.Column("url", sa.String, nullable=False, unique=True),
    sa.Column("producteur_siret", sa.String),  # the buyer (or platform) publishing it
    sa.Column("producteur_nom", sa.String),
    sa.Column("zone_code", sa.String),  # COG code of the zone it covers
    sa.Column("zone_niveau", sa.String),  # region, departement, commune, epci, national
    sa.Column("contact", sa.String),
    sa.Column("ajoute_le", sa.DateTime, nullable=False),
)

decp_moisson = sa.Table(
    "decp_moisson",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger,
        decp_moisson_id_seq,
        server_default=decp_moisson_id_seq.next_value(),
        primary_key=True,
    ),
    sa.Column("catalogue_id", sa.BigInteger, nullable=False),
    sa.Column("debut", sa.DateTime, nullable=False),
    sa.Column("fin", sa.DateTime),
    sa.Column("statut", sa.String, nullable=False),  # en-cours, ok, partielle, erreur
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("jeux", sa.Integer, nullable=False, server_default="0"),
    sa.Column("distributions", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fichiers", sa.Integer, nullable=False, server_default="0"),  # DECP files validated this time
    sa.Column("fichiers_deja_vus", sa.Integer, nullable=False, server_default="0"),
    sa.Column("enregistrements", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("valides", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("importes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("erreurs", sa.Text),  # JSON list of French messages (pages, downloads)
)

decp_distribution = sa.Table(
    "decp_distribution",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger,
        decp_distribution_id_seq,
        server_default=decp_distribution_id_seq.next_value(),
        primary_key=True,
    ),
    sa.Column("catalogue_id", sa.BigInteger, nullable=False),
    sa.Column("moisson_id", sa.BigInteger, nullable=False),
    sa.Column("jeu_identifiant", sa.String),
    sa.Column("jeu_titre", sa.String),
    sa.Column("url", sa.String, nullable=False),
    sa.Column("titre", sa.String),
    sa.Column("conforme_decp", sa.Boolean, nullable=False),  # dct:conformsTo the DECP schema
    sa.Column("statut", sa.String, nullable=False),  # valide, invalide, erreur, deja-vu, non-decp
    sa.Column("message", sa.Text),
    sa.Column("empreinte", sa.String),  # sha256 of the file: nothing harvested twice
    sa.Column("taille", sa.BigInteger),
    sa.Column("enregistrements", sa.BigInteger),
    sa.Column("valides", sa.BigInteger),
    sa.Column("erreurs", sa.BigInteger),
    sa.Column("avertissements", sa.BigInteger),
    sa.Column("importes", sa.BigInteger),  # None: the DECP import was not available
    sa.Column("rapport", sa.Text),  # the validation report (JSON, details capped)
    sa.Column("moissonne_le", sa.DateTime, nullable=False),
)
sa.Index("ix_decp_distribution_empreinte", decp_distribution.c.empreinte).ddl_if(dialect="postgresql")
sa.Index("ix_decp_moisson_catalogue", decp_moisson.c.catalogue_id, decp_moisson.c.id).ddl_if(
    dialect="postgresql"
)
