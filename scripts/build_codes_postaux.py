"""Build the bundled postal code referential (src/dataetat/referentiels/data/codes_postaux.csv.gz).

    npm install --prefix /tmp/codes-postaux codes-postaux@4.1.2
    python scripts/build_codes_postaux.py --package /tmp/codes-postaux/node_modules/codes-postaux \\
        [--data ../shared/data]

Source: `codes-postaux.json` of the npm package `codes-postaux` (Base Adresse Nationale), the
(code_postal, code_commune) pairs that it derives from the INSEE COG and the DGFiP FIMOCT. Commune
codes are brought to COG 2026 with the files of `<data>/cog/2026/`:
- a former commune (merged, associated or delegated) takes the code of the commune it is now part
  of (same passage table as scripts/build_referentiels.py);
- a commune restored since the package was built (mouvement 21, « rétablissement ») that has no
  postal code inherits those of the commune it left;
- every postal code of a municipal arrondissement also belongs to its commune (Paris, Marseille, Lyon);
- a pair whose commune is not a current COG 2026 commune is dropped (the codes are printed).
Writes the file (gzip, mtime 0: same content, same bytes) and its section of data/PROVENANCE.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import polars as pl

from dataetat.referentiels import codes_postaux as cp
from dataetat.referentiels._tabular import Col, csv_rows, extract_table
from dataetat.referentiels.bundled import BUNDLED_DIR, bundled_path
from dataetat.referentiels.cog import read_communes, read_mouvements

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
COG = "cog/2026"
SECTION = "## codes_postaux.csv.gz"
METROPOLE = ~pl.col("code").str.starts_with("97") & ~pl.col("code").str.starts_with("98")


def cog_2026(data: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Current communes (code), former code -> current code, restored commune -> commune it left."""
    communes = read_communes(data / COG / "communes.csv")
    current = set(communes["commune"]["code"].to_list())
    mouvements = data / COG / "mouvements-communes.csv"
    passage = pl.concat(
        [communes["commune_passage"], read_mouvements(mouvements, current=current)["commune_passage"]]
    ).unique(subset="code_ancien", keep="first", maintain_order=True)
    passage = passage.filter(
        pl.col("code_actuel").is_in(list(current)) & ~pl.col("code_ancien").is_in(list(current))
    )
    spec = {
        "mod": Col(("mod",)),
        "type_av": Col(("typecom av",)),
        "com_av": Col(("com av",)),
        "type_ap": Col(("typecom ap",)),
        "com_ap": Col(("com ap",)),
    }
    moves = extract_table(csv_rows(mouvements), spec, mouvements.name)
    restored = moves.filter(
        (pl.col("mod") == "21")
        & (pl.col("type_av") == "COM")
        & (pl.col("type_ap") == "COM")
        & (pl.col("com_av") != pl.col("com_ap"))
    ).select(code_commune="com_ap", _from="com_av")
    return communes["commune"].select("code"), passage, restored.unique()


def build(package: Path, data: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    source = package / "codes-postaux.json" if package.is_dir() else package
    raw = cp.read_pairs(source)
    communes, passage, restored = cog_2026(data)
    current = communes["code"]
    pairs = cp.translate(raw, passage)
    former = raw.filter(pl.col("code_commune").is_in(passage["code_ancien"].implode()))
    unknown = pairs.filter(~pl.col("code_commune").is_in(current.implode()))
    pairs = pairs.filter(pl.col("code_commune").is_in(current.implode()))
    # Restored communes without a postal code take those of the commune they left.
    missing = restored.filter(
        pl.col("code_commune").is_in(current.implode())
        & ~pl.col("code_commune").is_in(pairs["code_commune"].implode())
    )
    inherited = missing.join(pairs.rename({"code_commune": "_from"}), on="_from").select(cp.COLUMNS)
    base = pl.concat([pairs, inherited]).unique()
    final = cp.with_arm_parents(base).sort(cp.COLUMNS)
    metro = communes.filter(METROPOLE)["code"]
    covered = metro.is_in(final["code_commune"].implode()).sum()
    stats = {
        "package_pairs": raw.height,
        "former_code_pairs": former.height,
        "merged_pairs": raw.height - pairs.height - unknown.height,
        "dropped_pairs": unknown.height,
        "dropped_communes": sorted(set(unknown["code_commune"].to_list())),
        "restored_communes": missing["code_commune"].unique().sort().to_list(),
        "inherited_pairs": inherited.height,
        "arm_parent_pairs": final.height - base.height,
        "pairs": final.height,
        "postal_codes": final["code_postal"].n_unique(),
        "communes": final["code_commune"].n_unique(),
        "metro_coverage": f"{covered}/{metro.len()}",
        "uncovered": sorted(set(current.to_list()) - set(final["code_commune"].to_list())),
    }
    return final, stats


def write_csv_gz(frame: pl.DataFrame, path: Path) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(frame.write_csv(separator=",", include_header=True).encode("utf-8"))


def provenance_section(package: Path, stats: dict[str, object]) -> str:
    meta_path = (package if package.is_dir() else package.parent) / "package.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    version = meta.get("version", "?")
    return "\n".join(
        [
            SECTION,
            "",
            "Built by `python scripts/build_codes_postaux.py --package <node_modules/codes-postaux>` from",
            f"`codes-postaux.json` of the npm package `codes-postaux` {version} (Base Adresse Nationale,",
            "BaseAdresseNationale/codes-postaux; package licence MIT). The package derives its pairs from the",
            "INSEE COG and the DGFiP FIMOCT (README of the package; both published under Licence Ouverte 2.0,",
            "and it is not La Poste's ODbL « base officielle des codes postaux »); FIMOCT is no longer",
            "produced since 2023. Commune codes",
            f"brought to COG 2026 with `{COG}/communes.csv` and `{COG}/mouvements-communes.csv`",
            "(Licence Ouverte 2.0). Licence of the file: Licence Ouverte 2.0 (data), MIT (package).",
            "",
            "| Columns | Pairs | Postal codes | Communes | Metropolitan communes covered |",
            "|---|---|---|---|---|",
            f"| code_postal, code_commune | {stats['pairs']} | {stats['postal_codes']} | {stats['communes']} "
            f"| {stats['metro_coverage']} |",
            "",
            f"- {stats['package_pairs']} pairs in the package; {stats['former_code_pairs']} named a former "
            f"commune and were translated to its current commune ({stats['merged_pairs']} of them then "
            "duplicated a pair of that commune);",
            f"- {stats['dropped_pairs']} dropped: commune absent from COG 2026 "
            f"({', '.join(map(str, stats['dropped_communes'])) or 'none'});",
            f"- {stats['inherited_pairs']} added for communes restored since "
            f"({', '.join(map(str, stats['restored_communes'])) or 'none'}), "
            "from the commune they left (approximate: all of its postal codes);",
            f"- {stats['arm_parent_pairs']} added: postal codes of municipal arrondissements given to "
            "Paris, Marseille and Lyon too.",
            "",
        ]
    )


def write_provenance(section: str) -> None:
    path = BUNDLED_DIR / "PROVENANCE.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    start = text.find(SECTION)
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, required=True, help="node_modules/codes-postaux folder")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory")
    args = parser.parse_args()
    frame, stats = build(args.package, args.data)
    path = bundled_path("code_postal")
    write_csv_gz(frame, path)
    write_provenance(provenance_section(args.package, stats))
    for name, value in stats.items():
        print(f"{name:20} {value}")
    print(f"{path.name} : {frame.height} lignes, {path.stat().st_size} octets")


if __name__ == "__main__":
    main()
