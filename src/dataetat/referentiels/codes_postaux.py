"""Reader of postal code → commune files: (code_postal, code_commune) pairs for `ref_code_postal`.

Accepted formats:
- the JSON of the npm package `codes-postaux` (`codes-postaux.json`: a list of objects with
  `codePostal` and `codeCommune`);
- a CSV with a postal code column and an INSEE commune code column, such as La Poste's « base
  officielle des codes postaux » (`#Code_commune_INSEE;Nom_de_la_commune;Code_postal;…`) or the
  bundled file (`code_postal,code_commune`), plain or gzip-compressed (`.csv.gz`).

Former commune codes are translated to current ones with a passage table (`code_ancien`,
`code_actuel`; by default the bundled `commune_passage`), and every postal code of a municipal
arrondissement (Paris, Marseille, Lyon) also belongs to its commune, so that « 75008 » finds Paris
as well as Paris 8e.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import polars as pl

from ._tabular import Col, ReferentielError, csv_rows, extract_table, postal_code, require_rows

Frames = dict[str, pl.DataFrame]

COLUMNS = ["code_postal", "code_commune"]
# Municipal arrondissement code prefix -> its commune.
ARM_PARENTS = {"751": "75056", "132": "13055", "6938": "69123"}

_SPEC = {
    "code_postal": Col(("code postal", "codepostal", "cp")),
    "code_commune": Col(("code commune insee", "code commune", "codecommune", "code insee", "insee")),
}


def _from_json(path: Path) -> pl.DataFrame:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferentielError(f"Fichier « {path.name} » : ce n'est pas un JSON lisible.") from exc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ReferentielError(f"Fichier « {path.name} » : une liste d'objets JSON est attendue.")
    if entries and not {"codePostal", "codeCommune"} <= set(entries[0]):
        raise ReferentielError(
            f"Fichier « {path.name} » : champs « codePostal » et « codeCommune » attendus."
        )
    pairs = [(str(e.get("codePostal") or ""), str(e.get("codeCommune") or "")) for e in entries]
    return pl.DataFrame(pairs, schema={c: pl.Utf8 for c in COLUMNS}, orient="row")


def _from_csv(path: Path) -> pl.DataFrame:
    where = f"Fichier « {path.name} »"
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            raise ReferentielError(f"{where} : archive gzip illisible.") from exc
        with tempfile.TemporaryDirectory() as folder:
            plain = Path(folder) / path.name.removesuffix(".gz")
            plain.write_bytes(raw)
            rows = csv_rows(plain)
    else:
        rows = csv_rows(path)
    return extract_table(rows, _SPEC, where)


def read_pairs(path: Path) -> pl.DataFrame:
    """The (code_postal, code_commune) pairs of the file as written: cleaned, unique, not translated."""
    frame = _from_json(path) if path.suffix.lower() == ".json" else _from_csv(path)
    frame = frame.with_columns(
        code_postal=postal_code(pl.col("code_postal")),
        code_commune=pl.col("code_commune").str.strip_chars().str.to_uppercase().str.zfill(5),
    )
    valid = pl.col("code_postal").str.contains(r"^\d{5}$") & pl.col("code_commune").str.contains(
        r"^[0-9][0-9AB]\d{3}$"
    )
    frame = frame.filter(valid).unique(maintain_order=True)
    return require_rows(frame, f"Fichier « {path.name} »")


def translate(pairs: pl.DataFrame, passage: pl.DataFrame) -> pl.DataFrame:
    """Former commune codes replaced by their current code (pairs made identical merged)."""
    mapping = passage.select(code_commune="code_ancien", _actuel="code_actuel")
    translated = pairs.join(mapping, on="code_commune", how="left").select(
        "code_postal", code_commune=pl.coalesce("_actuel", "code_commune")
    )
    return translated.unique(maintain_order=True)


def with_arm_parents(pairs: pl.DataFrame) -> pl.DataFrame:
    """Adds (postal code, commune) for every postal code of a municipal arrondissement."""
    parent = pl.lit(None, pl.Utf8)
    for prefix, code in ARM_PARENTS.items():
        parent = pl.when(pl.col("code_commune").str.starts_with(prefix)).then(pl.lit(code)).otherwise(parent)
    parents = pairs.select("code_postal", code_commune=parent).drop_nulls()
    return pl.concat([pairs, parents]).unique(maintain_order=True)


def read_codes_postaux(path: Path, passage: pl.DataFrame | None = None) -> Frames:
    """`passage` (code_ancien, code_actuel) translates former commune codes; defaults to the bundled
    commune passage table when it exists."""
    pairs = read_pairs(path)
    if passage is None:
        from .bundled import load_bundled_table

        passage = load_bundled_table("commune_passage")
    if passage is not None:
        pairs = translate(pairs, passage)
    return {"code_postal": with_arm_parents(pairs).sort(COLUMNS)}
