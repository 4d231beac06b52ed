"""Build the referential files bundled with the package from the openly licensed sources.

    python scripts/build_referentiels.py [--data /work/shared/data]

Reads the sources with dataetat.referentiels.readers only, merges the frames of several sources per
table, and writes src/dataetat/referentiels/data/<table>.csv.gz (columns of the table in schema order)
and data/PROVENANCE.md. Tables of BUILT_ELSEWHERE have their own script: their file and their `## `
section of PROVENANCE.md are left as they are.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import polars as pl

from dataetat.referentiels import readers as r
from dataetat.referentiels.bundled import BUNDLED_DIR
from dataetat.store.schema import REFERENTIAL_TABLES

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
COMMAND = "python scripts/build_referentiels.py --data ../shared/data"

CHORUS = "chorus/referentiels"
COG = "cog/2026"
DATAREGION = "dataregion/DataEtatRegion-back @2421facd"
COG_ORIGIN = "INSEE COG 2026 via datagouv/decoupage-administratif @98976e5 sources/"
# source (relative to the data directory, or to the repository for "repo:") -> (origin, licence)
ORIGINS = {
    f"{CHORUS}/Calculette_Chorus_test.xlsx": (f"{DATAREGION}, app/tests/data/", "MIT"),
    f"{CHORUS}/centre_cout.xlsx": (f"{DATAREGION}, app/tests/data/", "MIT"),
    f"{CHORUS}/code_programme_theme.csv": (
        f"{DATAREGION}, app/migrations.old/data/20220929_ref_theme_prog/",
        "MIT",
    ),
    f"{CHORUS}/LOC_INTERMIN_20230126.csv": (f"{DATAREGION}, app/tests/data/", "MIT"),
    f"{CHORUS}/categorie_juridique_type.csv": (
        f"{DATAREGION}, app/migrations.old/versions/20221004_ref_cat_juridique.py",
        "MIT",
    ),
    f"{COG}/regions.csv": (COG_ORIGIN, "Licence Ouverte 2.0"),
    f"{COG}/departements.csv": (COG_ORIGIN, "Licence Ouverte 2.0"),
    f"{COG}/arrondissements.csv": (COG_ORIGIN, "Licence Ouverte 2.0"),
    f"{COG}/communes.csv": (COG_ORIGIN, "Licence Ouverte 2.0"),
    f"{COG}/mouvements-communes.csv": (COG_ORIGIN, "Licence Ouverte 2.0"),
    f"{COG}/epcicom.xlsx": (
        "DGCL epcicom 2025 via datagouv/decoupage-administratif @98976e5",
        "Licence Ouverte 2.0",
    ),
    "repo:scripts/data/societe.csv": (
        "Chorus société keys of the AIFE national extracts, written by hand",
        "MIT",
    ),
}

# Tables built by another script (which writes its own section of PROVENANCE.md).
BUILT_ELSEWHERE = {"code_postal": "scripts/build_codes_postaux.py"}

# Municipal arrondissements (ARM) belong to the EPCI of their commune.
ARM_PARENTS = {"751": "75056", "132": "13055", "6938": "69123"}


def merge(primary: pl.DataFrame, secondary: pl.DataFrame, key: str = "code") -> pl.DataFrame:
    """Outer join on key; for every column, the primary value unless null."""
    right = secondary.rename({c: f"{c}__2" for c in secondary.columns if c != key})
    joined = primary.join(right, on=key, how="full", coalesce=True, maintain_order="left_right")

    def pick(column: str) -> pl.Expr:
        if column not in primary.columns:
            return pl.col(f"{column}__2").alias(column)
        if column == key or column not in secondary.columns:
            return pl.col(column)
        return pl.coalesce(column, f"{column}__2").alias(column)

    return joined.select([pick(c) for c in dict.fromkeys([*primary.columns, *secondary.columns])])


def conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Exactly the table's columns, in schema order, Utf8, sorted and unique on the key."""
    columns = [c.name for c in REFERENTIAL_TABLES[table].columns]
    frame = frame.with_columns([pl.lit(None, pl.Utf8).alias(c) for c in columns if c not in frame.columns])
    frame = frame.select([pl.col(c).cast(pl.Utf8) for c in columns])
    return frame.unique(subset=columns[0], keep="first", maintain_order=True).sort(columns[0])


def _epci_of_arm(commune: pl.DataFrame) -> pl.DataFrame:
    parent = pl.lit(None, pl.Utf8)
    for prefix, code in ARM_PARENTS.items():
        parent = pl.when(pl.col("code").str.starts_with(prefix)).then(pl.lit(code)).otherwise(parent)
    epci_by_code = commune.select(pl.col("code").alias("_parent"), pl.col("code_epci").alias("_parent_epci"))
    commune = commune.with_columns(_parent=parent).join(epci_by_code, on="_parent", how="left")
    return commune.with_columns(code_epci=pl.coalesce("code_epci", "_parent_epci")).drop(
        "_parent", "_parent_epci"
    )


def build(data: Path) -> tuple[dict[str, pl.DataFrame], dict[str, list[str]]]:
    src = {name: data / name for name in ORIGINS if not name.startswith("repo:")}
    src["repo:scripts/data/societe.csv"] = REPO / "scripts" / "data" / "societe.csv"
    calculette = r.read_calculette(src[f"{CHORUS}/Calculette_Chorus_test.xlsx"])
    cog_communes = r.read_communes(src[f"{COG}/communes.csv"])
    current = set(cog_communes["commune"]["code"].to_list())
    mouvements = r.read_mouvements(src[f"{COG}/mouvements-communes.csv"], current=current)
    passage = merge(cog_communes["commune_passage"], mouvements["commune_passage"], key="code_ancien")
    passage = passage.filter(
        pl.col("code_actuel").is_in(list(current)) & ~pl.col("code_ancien").is_in(list(current))
    )

    epcicom = r.read_epci(src[f"{COG}/epcicom.xlsx"])
    # epcicom may predate the COG: translate former commune codes before joining.
    epci_members = (
        epcicom["commune"]
        .join(passage.rename({"code_ancien": "code"}), on="code", how="left")
        .select(code=pl.coalesce("code_actuel", "code"), code_epci="code_epci")
    )
    commune = _epci_of_arm(
        merge(cog_communes["commune"], epci_members).filter(pl.col("code").is_in(list(current)))
    )

    tables = {
        "region": r.read_regions(src[f"{COG}/regions.csv"])["region"],
        "departement": r.read_departements(src[f"{COG}/departements.csv"])["departement"],
        "arrondissement": r.read_arrondissements(src[f"{COG}/arrondissements.csv"])["arrondissement"],
        "epci": epcicom["epci"],
        "commune": commune,
        "commune_passage": passage,
        "ministere": calculette["ministere"],
        "programme": merge(
            calculette["programme"],
            r.read_programme_theme(src[f"{CHORUS}/code_programme_theme.csv"])["programme"],
        ),
        "domaine_fonctionnel": calculette["domaine_fonctionnel"],
        "referentiel_programmation": calculette["referentiel_programmation"],
        "centre_couts": merge(
            calculette["centre_couts"], r.read_centre_couts(src[f"{CHORUS}/centre_cout.xlsx"])["centre_couts"]
        ),
        "groupe_marchandise": calculette["groupe_marchandise"],
        "localisation_interministerielle": r.read_localisation_interministerielle(
            src[f"{CHORUS}/LOC_INTERMIN_20230126.csv"], communes=commune
        )["localisation_interministerielle"],
        "categorie_juridique": r.read_categorie_juridique(src[f"{CHORUS}/categorie_juridique_type.csv"])[
            "categorie_juridique"
        ],
        "societe": r.read_societe(src["repo:scripts/data/societe.csv"])["societe"],
    }
    sources = {
        "region": [f"{COG}/regions.csv"],
        "departement": [f"{COG}/departements.csv"],
        "arrondissement": [f"{COG}/arrondissements.csv"],
        "epci": [f"{COG}/epcicom.xlsx"],
        "commune": [f"{COG}/communes.csv", f"{COG}/epcicom.xlsx", f"{COG}/mouvements-communes.csv"],
        "commune_passage": [f"{COG}/communes.csv", f"{COG}/mouvements-communes.csv"],
        "programme": [f"{CHORUS}/Calculette_Chorus_test.xlsx", f"{CHORUS}/code_programme_theme.csv"],
        "centre_couts": [f"{CHORUS}/Calculette_Chorus_test.xlsx", f"{CHORUS}/centre_cout.xlsx"],
        "localisation_interministerielle": [f"{CHORUS}/LOC_INTERMIN_20230126.csv", f"{COG}/communes.csv"],
        "categorie_juridique": [f"{CHORUS}/categorie_juridique_type.csv"],
        "societe": ["repo:scripts/data/societe.csv"],
    }
    for table in ("ministere", "domaine_fonctionnel", "referentiel_programmation", "groupe_marchandise"):
        sources[table] = [f"{CHORUS}/Calculette_Chorus_test.xlsx"]
    return {t: conform(tables[t], t) for t in REFERENTIAL_TABLES if t not in BUILT_ELSEWHERE}, sources


def write_csv_gz(frame: pl.DataFrame, path: Path) -> None:
    # mtime=0: byte-identical output for identical content (reproducible builds, clean diffs).
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(frame.write_csv(separator=",", include_header=True).encode("utf-8"))


def provenance(tables: dict[str, pl.DataFrame], sources: dict[str, list[str]]) -> str:
    lines = [
        "# Bundled referentials — provenance",
        "",
        f"Built by `{COMMAND}` (from the repository root) with the readers of",
        "`dataetat.referentiels.readers`. UTF-8 CSV, `,` separator, header line, gzip; columns are those",
        "of the `ref_<table>` table of `dataetat.store.schema`, in schema order. Sources are relative to",
        "`../shared/data` (see its PROVENANCE.md), or to the repository for `repo:` paths.",
        "Région codes 00 (Administration centrale) and 99 (Étranger) are Chorus codes added by the reader.",
        "",
        "| File | Rows | Sources | Upstream origin | Licence |",
        "|---|---|---|---|---|",
    ]
    for table, frame in tables.items():
        srcs = sources[table]
        origins = "; ".join(dict.fromkeys(ORIGINS[s][0] for s in srcs))
        licences = ", ".join(dict.fromkeys(ORIGINS[s][1] for s in srcs))
        files = "<br>".join(f"`{s}`" for s in srcs)
        lines.append(f"| {table}.csv.gz | {frame.height} | {files} | {origins} | {licences} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory")
    args = parser.parse_args()
    tables, sources = build(args.data)
    BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for table, frame in tables.items():
        path = BUNDLED_DIR / f"{table}.csv.gz"
        write_csv_gz(frame, path)
        total += path.stat().st_size
        print(f"{path.name:45} {frame.height:>7} lignes {path.stat().st_size:>9} octets")
    path = BUNDLED_DIR / "PROVENANCE.md"
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    kept = old[old.find("\n## ") :] if "\n## " in old else ""  # sections of the other scripts
    path.write_text(provenance(tables, sources) + kept, encoding="utf-8")
    print(f"Total : {total} octets")


if __name__ == "__main__":
    main()
