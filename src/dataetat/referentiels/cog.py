"""Readers of the INSEE Code officiel géographique (COG) CSV files and of the DGCL EPCI membership
workbook (epcicom)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polars as pl

from ._tabular import Col, csv_rows, extract_table, require_rows, unique_codes, workbook_rows

Frames = dict[str, pl.DataFrame]

# Chorus uses two région codes that INSEE does not have.
CHORUS_REGIONS = {"00": "Administration centrale", "99": "Étranger"}

LIBELLE = Col(("libelle", "nccenr"))


def _cog_table(path: Path, spec: dict[str, Col]) -> pl.DataFrame:
    where = f"Fichier « {path.name} »"
    return require_rows(extract_table(csv_rows(path), spec, where), where)


def read_regions(path: Path) -> Frames:
    frame = _cog_table(path, {"code": Col(("reg",)), "label": LIBELLE})
    extra = pl.DataFrame(
        {"code": list(CHORUS_REGIONS), "label": list(CHORUS_REGIONS.values())}, schema=frame.schema
    )
    return {"region": unique_codes(pl.concat([frame, extra]))}


def read_departements(path: Path) -> Frames:
    frame = _cog_table(path, {"code": Col(("dep",)), "label": LIBELLE, "code_region": Col(("reg",))})
    return {"departement": unique_codes(frame)}


def read_arrondissements(path: Path) -> Frames:
    spec = {
        "code": Col(("arr",)),
        "label": LIBELLE,
        "code_departement": Col(("dep",)),
        "code_region": Col(("reg",)),
    }
    return {"arrondissement": unique_codes(_cog_table(path, spec))}


GEO_COLUMNS = ["code_departement", "code_region", "code_arrondissement"]


def read_communes(path: Path) -> Frames:
    """Current communes (COM) and municipal arrondissements (ARM, with their parent's geography when
    missing) in `commune`; associated and delegated communes (COMA, COMD) in `commune_passage`."""
    spec = {
        "typecom": Col(("typecom",)),
        "code": Col(("com",)),
        "label": LIBELLE,
        "code_departement": Col(("dep",)),
        "code_region": Col(("reg",)),
        "code_arrondissement": Col(("arr",)),
        "parent": Col(("comparent",)),
    }
    frame = _cog_table(path, spec)
    current = frame.filter(pl.col("typecom") == "COM")
    parent_geo = [pl.col(c).alias(f"_p_{c}") for c in GEO_COLUMNS]
    parents = current.select(pl.col("code").alias("parent"), *parent_geo)
    arm = frame.filter(pl.col("typecom") == "ARM").join(parents, on="parent", how="left")
    arm = arm.with_columns([pl.coalesce(c, f"_p_{c}").alias(c) for c in GEO_COLUMNS])
    columns = ["code", "label", *GEO_COLUMNS]
    commune = unique_codes(pl.concat([current.select(columns), arm.select(columns)]))
    passage = frame.filter(
        pl.col("typecom").is_in(["COMA", "COMD"])
        & (pl.col("code") != pl.col("parent"))
        & ~pl.col("code").is_in(commune["code"].implode())
    ).select(code_ancien="code", code_actuel="parent")
    return {"commune": commune, "commune_passage": unique_codes(passage, key="code_ancien")}


def read_epci(path: Path) -> Frames:
    """epcicom: one row per (EPCI, member commune)."""
    sheet, rows = workbook_rows(path)
    where = f"Fichier « {path.name} », feuille « {sheet} »"
    spec = {
        "code": Col(("siren", "siren epci", "n siren")),
        "label": Col(("raison sociale", "nom du groupement")),
        "nature": Col(("nature juridique", "nature"), required=False),
        "code_commune": Col(("insee", "siren membre insee", "code insee")),
    }
    frame = require_rows(extract_table(rows, spec, where), where)
    frame = frame.with_columns(
        code=pl.col("code").str.zfill(9), code_commune=pl.col("code_commune").str.zfill(5)
    )
    epci = unique_codes(frame.select("code", "label", "nature"))
    commune = unique_codes(frame.select(code="code_commune", code_epci="code"))
    return {"epci": epci, "commune": commune}


# --- Mouvements ---------------------------------------------------------------------------------


def _ends_and_births(rows: pl.DataFrame) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """For each code: the dates where it stopped being a COM, with the COM it went to; and the
    last date where it became (or stayed) a COM."""
    coms = rows.filter((pl.col("type_av") == "COM") & (pl.col("type_ap") == "COM"))
    continues = {(d, b) for d, b, a in coms.select("date", "com_av", "com_ap").iter_rows() if a == b}
    born: dict[str, str] = {}
    for date, code in rows.filter(pl.col("type_ap") == "COM").select("date", "com_ap").iter_rows():
        born[code] = max(born.get(code, ""), date)
    ends: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for date, before, after in coms.select("date", "com_av", "com_ap").iter_rows():
        if after and before != after and (date, before) not in continues:
            ends[before].append((date, after))
    return ends, born


def _final_code(code: str, ends: dict[str, list[tuple[str, str]]], max_steps: int = 50) -> str | None:
    """Follow the latest end of each code, never going back in time."""
    date = ""
    for _ in range(max_steps):
        later = sorted(e for e in ends.get(code, []) if e[0] >= date)
        if not later:
            return code
        date, code = later[-1]
    return None


def read_mouvements(path: Path, current: set[str] | None = None) -> Frames:
    """Former commune code -> current commune it was merged into (chains followed). `current`, the
    set of current commune codes, filters the result; without it, a code is former when its last
    end is later than its last appearance as a commune."""
    spec = {
        "date": Col(("date eff",)),
        "type_av": Col(("typecom av",)),
        "com_av": Col(("com av",)),
        "type_ap": Col(("typecom ap",)),
        "com_ap": Col(("com ap",)),
    }
    ends, born = _ends_and_births(_cog_table(path, spec))
    pairs = []
    for code, code_ends in ends.items():
        is_current = code in current if current is not None else born.get(code, "") > max(code_ends)[0]
        final = None if is_current else _final_code(code, ends)
        if final and final != code and (current is None or final in current):
            pairs.append((code, final))
    frame = pl.DataFrame(pairs, schema={"code_ancien": pl.Utf8, "code_actuel": pl.Utf8}, orient="row")
    return {"commune_passage": unique_codes(frame.sort("code_ancien"), key="code_ancien")}
