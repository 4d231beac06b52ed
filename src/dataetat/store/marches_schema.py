"""Tables of public procurement (DECP), on the same metadata as store/schema.py.

- `marche`: one row per marché (`uid` = SIRET of the acheteur + its own id), its current state once
  the modifications are applied (montant, durée) next to the initial one, and every attribute of
  the DECP format;
- `marche_titulaire`: the current titulaires of a marché (rang 1..n);
- `marche_modification`: each state of a marché (0 = as notified, then each modification) with the
  montant, durée and titulaires it set: the marché's history, shown as a timeline;
- `marche_groupe`: the groups of the whole read model by a column of many groups (store/
  marches_groupes.py), for the unfiltered national search;
- `marche_ligne`: the flat read model, one row per (marché, titulaire), with the labels and the
  geography resolved (lieu d'exécution → commune / département / région), the région scope and the
  share of the montant that totals add up (`montant_part`: montant / number of titulaires, so that a
  total never counts a marché twice). Rebuilt by each import for the marchés it touched, in its
  transaction.

Every row carries the `import_id` that wrote it (the import history is `import_fichier`).
"""

from __future__ import annotations

import sqlalchemy as sa

from dataetat.store.schema import MONTANT, metadata

marche = sa.Table(
    "marche",
    metadata,
    sa.Column("uid", sa.String, nullable=False),
    # A number per marché, unique in the base (import id × 2³² + the marché's rank in its import):
    # what joins and counts distinct marchés use (faster than the uid string).
    sa.Column("num", sa.BigInteger, nullable=False),
    sa.Column("id", sa.String, nullable=False),
    sa.Column("acheteur_id", sa.String, nullable=False),
    sa.Column("acheteur_nom", sa.String),
    sa.Column("nature", sa.String),
    sa.Column("objet", sa.String),
    sa.Column("objet_plie", sa.String),  # lower case, accents folded (copied to the read model)
    sa.Column("code_cpv", sa.String),
    sa.Column("procedure", sa.String),
    sa.Column("techniques", sa.String),
    sa.Column("modalites_execution", sa.String),
    sa.Column("ccag", sa.String),
    sa.Column("offres_recues", sa.Integer),
    sa.Column("forme_prix", sa.String),
    sa.Column("types_prix", sa.String),
    sa.Column("attribution_avance", sa.Boolean),
    sa.Column("taux_avance", sa.Float),
    sa.Column("marche_innovant", sa.Boolean),
    sa.Column("sous_traitance_declaree", sa.Boolean),
    sa.Column("type_groupement", sa.String),
    sa.Column("considerations_sociales", sa.String),
    sa.Column("considerations_environnementales", sa.String),
    sa.Column("origine_ue", sa.Float),
    sa.Column("origine_france", sa.Float),
    sa.Column("lieu_code", sa.String),
    sa.Column("lieu_type_code", sa.String),
    sa.Column("id_accord_cadre", sa.String),
    sa.Column("date_notification", sa.Date),
    sa.Column("date_publication", sa.Date),
    sa.Column("duree_mois", sa.Integer),  # current (after the modifications)
    sa.Column("montant", MONTANT),  # current (after the modifications)
    sa.Column("duree_mois_initiale", sa.Integer),
    sa.Column("montant_initial", MONTANT),
    sa.Column("nombre_modifications", sa.Integer, nullable=False, server_default="0"),
    sa.Column("nombre_titulaires", sa.Integer, nullable=False, server_default="1"),
    sa.Column("acheteur_commune_code", sa.String),  # when the file says it (consolidated file)
    sa.Column("source", sa.String),  # the consolidated file's sourceDataset, else the format
    sa.Column("import_id", sa.BigInteger, nullable=False),
    sa.Column("ligne_fichier", sa.BigInteger),
)
# Unique on PostgreSQL only (see store/schema.py: no ART index on DuckDB's big tables).
sa.Index("ux_marche_uid", marche.c.uid, unique=True).ddl_if(dialect="postgresql")
sa.Index("ix_marche_import", marche.c.import_id).ddl_if(dialect="postgresql")
sa.Index("ix_marche_acheteur", marche.c.acheteur_id).ddl_if(dialect="postgresql")

marche_titulaire = sa.Table(
    "marche_titulaire",
    metadata,
    sa.Column("uid", sa.String, nullable=False),
    sa.Column("num", sa.BigInteger, nullable=False),
    sa.Column("rang", sa.Integer, nullable=False),
    sa.Column("titulaire_id", sa.String),
    sa.Column("type_identifiant", sa.String),
    sa.Column("nom", sa.String),
    sa.Column("commune_code", sa.String),  # when the file says it (consolidated file)
    sa.Column("categorie", sa.String),  # PME, ETI, GE when the file says it
    sa.Column("import_id", sa.BigInteger, nullable=False),
)
sa.Index("ix_marche_titulaire_uid", marche_titulaire.c.uid).ddl_if(dialect="postgresql")

marche_modification = sa.Table(
    "marche_modification",
    metadata,
    sa.Column("uid", sa.String, nullable=False),
    sa.Column("modification_id", sa.Integer, nullable=False),  # 0: as notified
    sa.Column("date_notification", sa.Date),
    sa.Column("date_publication", sa.Date),
    sa.Column("duree_mois", sa.Integer),
    sa.Column("montant", MONTANT),
    sa.Column("titulaires", sa.String),  # space-separated identifiers of the titulaires of that state
    sa.Column("import_id", sa.BigInteger, nullable=False),
)
sa.Index("ix_marche_modification_uid", marche_modification.c.uid).ddl_if(dialect="postgresql")

marche_ligne = sa.Table(
    "marche_ligne",
    metadata,
    sa.Column("uid", sa.String, nullable=False),
    sa.Column("num", sa.BigInteger, nullable=False),
    sa.Column("rang", sa.Integer, nullable=False),
    sa.Column("id", sa.String),
    sa.Column("acheteur_id", sa.String),
    sa.Column("acheteur_nom", sa.String),
    sa.Column("titulaire_id", sa.String),
    sa.Column("titulaire_type_identifiant", sa.String),
    sa.Column("titulaire_nom", sa.String),
    sa.Column("titulaire_commune_code", sa.String),
    sa.Column("titulaire_commune_label", sa.String),
    sa.Column("titulaire_categorie", sa.String),  # PME, ETI, GE (consolidated file)
    sa.Column("titulaire_categorie_juridique_type", sa.String),  # from the beneficiaries table
    sa.Column("objet", sa.String),
    sa.Column("objet_plie", sa.String),  # lower case, accents folded: the full-text filter
    sa.Column("cpv_code", sa.String),
    sa.Column("cpv_label", sa.String),
    sa.Column("cpv_division_code", sa.String),  # 2 first digits
    sa.Column("cpv_division_label", sa.String),
    sa.Column("nature", sa.String),
    sa.Column("procedure", sa.String),
    sa.Column("forme_prix", sa.String),
    sa.Column("montant", MONTANT),  # the marché's (current) montant
    sa.Column("montant_part", MONTANT),  # its share for this titulaire: what totals add up
    sa.Column("date_notification", sa.Date),
    sa.Column("annee", sa.Integer),  # of the notification
    sa.Column("duree_mois", sa.Integer),
    sa.Column("nombre_titulaires", sa.Integer),
    sa.Column("nombre_modifications", sa.Integer),
    sa.Column("lieu_code", sa.String),
    sa.Column("lieu_type_code", sa.String),
    sa.Column("lieu_commune_code", sa.String),
    sa.Column("lieu_commune_label", sa.String),
    sa.Column("lieu_departement_code", sa.String),
    sa.Column("lieu_departement_label", sa.String),
    sa.Column("lieu_region_code", sa.String),
    sa.Column("lieu_region_label", sa.String),
    sa.Column("acheteur_commune_code", sa.String),
    sa.Column("acheteur_region_code", sa.String),
    sa.Column("region_code", sa.String),  # région scope: the lieu d'exécution's, else the acheteur's
    sa.Column("import_id", sa.BigInteger, nullable=False),
)
sa.Index("ix_marche_ligne_uid", marche_ligne.c.uid).ddl_if(dialect="postgresql")
sa.Index("ix_marche_ligne_titulaire", marche_ligne.c.titulaire_id).ddl_if(dialect="postgresql")
sa.Index("ix_marche_ligne_acheteur", marche_ligne.c.acheteur_id).ddl_if(dialect="postgresql")
sa.Index("ix_marche_ligne_region", marche_ligne.c.region_code, marche_ligne.c.annee).ddl_if(
    dialect="postgresql"
)

# The search (query/marches_recherche.py) on PostgreSQL, migration 0018: each filter reads its
# index, and its totals (rows, rang-1 rows, Σ montant_part, distinct num) the index alone (an
# index-only scan: INCLUDE the columns the totals add up), not the wide rows of the heap; the page
# of the default order (newest first) walks the date index, or the equality filter's index (its
# value, then the date order); a page's columns are read back by (num, rang). CPV prefixes (LIKE '45%') need the pattern operator class (the base's collation is
# not C). The objet words (LIKE '%mot%') read a trigram index (extension pg_trgm, `TRIGRAMMES`).
_ml = marche_ligne.c
_TOTAUX = {"postgresql_include": ["num", "rang", "montant_part"]}
_NEWEST = (_ml.date_notification.desc().nulls_last(), _ml.num, _ml.rang)  # the default order
INDEX_RECHERCHE = (
    sa.Index("ix_marche_ligne_cle", _ml.num, _ml.rang),
    sa.Index("ix_marche_ligne_date", *_NEWEST, postgresql_include=["montant_part"]),
    sa.Index("ix_marche_ligne_cpv", _ml.cpv_code, postgresql_ops={"cpv_code": "text_pattern_ops"}, **_TOTAUX),
    sa.Index("ix_marche_ligne_montant", _ml.montant, **_TOTAUX),
    *(
        sa.Index(f"ix_marche_ligne_{name}", _ml[column], *_NEWEST, postgresql_include=["montant_part"])
        for name, column in (
            ("procedure", "procedure"),
            ("lieu_region", "lieu_region_code"),
            ("lieu_departement", "lieu_departement_code"),
            ("lieu_commune", "lieu_commune_code"),
        )
    ),
)
TRIGRAMMES = sa.Index(
    "ix_marche_ligne_objet",
    _ml.objet_plie,
    postgresql_using="gin",
    postgresql_ops={"objet_plie": "gin_trgm_ops"},
)
for _index in (*INDEX_RECHERCHE, TRIGRAMMES):
    _index.ddl_if(dialect="postgresql")


def trigram_ready(conn) -> bool:
    """PostgreSQL: the extension pg_trgm is there, created now if needed (a trusted extension: the
    owner of the database may create it). False when it cannot be (no right, not installed): the
    failed attempt is rolled back to a savepoint, the caller's transaction goes on."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False
    return True


marche_groupe = sa.Table(
    "marche_groupe",
    metadata,
    sa.Column("colonne", sa.String, nullable=False),  # the marche_ligne column grouped by
    sa.Column("code", sa.String),  # its value (None: « Non renseigné »)
    sa.Column("label", sa.String),
    sa.Column("lignes", sa.BigInteger, nullable=False),
    sa.Column("marches", sa.BigInteger, nullable=False),
    sa.Column("montant", sa.Numeric(24, 2)),  # Σ montant_part
)
# The groups' order (query/marches_recherche.py `_pre_aggregated`), read from the index (migration 0018).
IX_GROUPE = sa.Index(
    "ix_marche_groupe",
    marche_groupe.c.colonne,
    marche_groupe.c.montant.desc().nulls_last(),
    marche_groupe.c.code,
)
IX_GROUPE.ddl_if(dialect="postgresql")
