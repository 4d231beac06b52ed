"""The clean long frame (one row per marché, titulaire and state) → the rows of `marche`,
`marche_titulaire` and `marche_modification`.

Modifications are applied: a marché's current montant, durée and titulaires are those of its last
state (the highest `modification_id`); state 0 gives the initial montant and durée and the date of
notification; every state is kept in `marche_modification` (the history shown as a timeline). In the
consolidated file, a modification state's date is the row's `dateNotification` when it differs from
the initial one; in JSON/XML it is the modification's `dateNotificationModification`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ATTRIBUTS = (
    "id", "acheteur_id", "acheteur_nom", "nature", "objet", "code_cpv", "procedure", "techniques",
    "modalites_execution", "ccag", "offres_recues", "forme_prix", "types_prix", "attribution_avance",
    "taux_avance", "marche_innovant", "sous_traitance_declaree", "type_groupement", "considerations_sociales",
    "considerations_environnementales", "origine_ue", "origine_france", "lieu_code", "lieu_type_code",
    "id_accord_cadre", "acheteur_commune_code", "source",
)  # fmt: skip


@dataclass
class Tables:
    marche: pl.DataFrame
    titulaire: pl.DataFrame
    modification: pl.DataFrame


def build(frame: pl.DataFrame, import_id: int) -> Tables:
    # `num`: import id × 2³² + a code per uid (Polars' categorical code), the marché's number.
    frame = frame.with_columns(
        (pl.col("uid").cast(pl.Categorical).to_physical().cast(pl.Int64) + import_id * 2**32).alias("num")
    )
    frame = frame.with_columns(pl.col("modification_id").max().over("num").alias("_dernier"))
    states = (
        frame.group_by("num", "modification_id", maintain_order=True)
        .agg(
            pl.col("uid").first(),
            pl.col("montant_nombre").first().alias("montant"),
            pl.col("duree").first().alias("duree_mois"),
            pl.col("date_notification_jour").first().alias("_date"),
            pl.col("date_modification_jour").first().alias("_date_mod"),
            pl.col("date_publication_jour").first().alias("date_publication"),
            pl.col("titulaire_id").drop_nulls().str.join(" ").alias("titulaires"),
        )
        .with_columns(
            pl.col("_date").filter(pl.col("modification_id") == 0).first().over("num").alias("_initiale"),
            pl.col("_date").min().over("num").alias("_premiere"),
        )
    )
    initial = pl.coalesce("_initiale", "_premiere")
    modification = states.select(
        "uid",
        "modification_id",
        pl.when(pl.col("modification_id") == 0)
        .then(initial)
        .otherwise(pl.coalesce("_date_mod", pl.when(pl.col("_date") != initial).then(pl.col("_date"))))
        .alias("date_notification"),
        "date_publication",
        "duree_mois",
        pl.col("montant").round(2),
        pl.when(pl.col("titulaires") == "").then(None).otherwise(pl.col("titulaires")).alias("titulaires"),
        pl.lit(import_id, pl.Int64).alias("import_id"),
    )
    per_uid = states.group_by("num").agg(
        initial.first().alias("date_notification"),
        pl.col("montant").sort_by("modification_id").first().alias("montant_initial"),
        pl.col("duree_mois").sort_by("modification_id").first().alias("duree_mois_initiale"),
        (pl.col("modification_id") > 0).sum().cast(pl.Int32).alias("nombre_modifications"),
    )
    current = frame.filter(pl.col("modification_id") == pl.col("_dernier"))
    titulaires = current.group_by("num").agg(pl.len().cast(pl.Int32).alias("nombre_titulaires"))
    marche = (
        current.unique(subset=["num"], keep="first", maintain_order=True)
        .select(
            "uid",
            "num",
            *ATTRIBUTS,
            plie(pl.col("objet")).alias("objet_plie"),
            pl.col("date_publication_jour").alias("date_publication"),
            pl.col("duree").alias("duree_mois"),
            pl.col("montant_nombre").round(2).alias("montant"),
            pl.lit(import_id, pl.Int64).alias("import_id"),
            "ligne_fichier",
        )
        .join(per_uid, on="num", how="left")
        .join(titulaires, on="num", how="left")
        .with_columns(pl.col("montant_initial").round(2))
    )
    titulaire = current.select(
        "uid",
        "num",
        (pl.int_range(pl.len()).over("num") + 1).cast(pl.Int32).alias("rang"),
        "titulaire_id",
        pl.col("titulaire_type_identifiant").alias("type_identifiant"),
        pl.col("titulaire_nom").alias("nom"),
        pl.col("titulaire_commune_code").alias("commune_code"),
        pl.col("titulaire_categorie").alias("categorie"),
        pl.lit(import_id, pl.Int64).alias("import_id"),
    )
    return Tables(marche, titulaire, modification)


def plie(text: pl.Expr) -> pl.Expr:
    """Lower case without accents (« Équipement » → « equipement »): what the objet filter searches."""
    return text.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
