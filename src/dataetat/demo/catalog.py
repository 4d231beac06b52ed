"""The referential values the demo generator draws from, prepared once as flat arrays.

Everything comes from the bundled referentials (`dataetat.referentiels.bundled.load_bundled`).
When a programme has no domaine fonctionnel or référentiel de programmation in the bundle, a
well-formed code of that programme is synthesised so that coherence (programme = chars 2-4) holds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl

# Programmes that carry most of the State's spending on a territory (boosted when drawing).
TERRITORIAL_PROGRAMMES = (
    "102",
    "103",
    "104",
    "112",
    "119",
    "122",
    "123",
    "135",
    "149",
    "154",
    "161",
    "162",
    "172",
    "177",
    "181",
    "203",
    "204",
    "206",
    "209",
    "214",
    "215",
    "216",
    "217",
    "219",
    "230",
    "302",
    "304",
    "354",
    "362",
    "363",
    "364",
    "380",
)
KNOWN_GROUPES = ("09.02.01", "36.01.01")
# Programme 147 « Politique de la ville » funds actions in the quartiers prioritaires: drawn for a fixed
# share of the EJs (its random rank would often give it none), so that the QPV page's « Crédits P147 »
# has lines — demo/qpv_fictifs.py places the programme 147 EJs in the demo's QPVs first.
POLITIQUE_DE_LA_VILLE, POLITIQUE_DE_LA_VILLE_SHARE = "147", 0.03


def load_referentiels() -> dict[str, pl.DataFrame]:
    """The bundled referentials (kept in a function so tests can substitute a small set)."""
    from dataetat.referentiels.bundled import load_bundled

    return load_bundled()


def ascii_upper(text: str) -> str:
    """`Saint-Malo` → `SAINT MALO` (SIRENE-style denominations)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9' ]+", " ", plain.upper()).strip()


@dataclass(frozen=True)
class Grouped:
    """Values sorted by group with per-group offsets, for vectorised draws within a group."""

    values: pl.Series
    start: np.ndarray
    count: np.ndarray

    def pick(self, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        offset = np.floor(rng.random(group.size) * self.count[group]).astype(np.int64)
        return self.start[group] + offset

    @classmethod
    def build(cls, lists: list[list[str]]) -> Grouped:
        count = np.array([len(values) for values in lists], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        flat = [value for values in lists for value in values]
        return cls(pl.Series(flat, dtype=pl.Utf8), start, count)


@dataclass(frozen=True)
class Catalog:
    region: str
    departements: list[str]
    communes: pl.DataFrame  # code, label, code_departement, code_epci (region only)
    commune_weight: np.ndarray  # heavy-tailed attractiveness of each commune
    epci: pl.DataFrame  # code, label, nature (EPCI of the region's communes)
    departement_labels: dict[str, str]
    region_label: str
    programmes: pl.Series  # 3-digit codes
    programme_weight: np.ndarray
    domaines: Grouped  # by programme index
    referentiels: Grouped  # by programme index
    centres: Grouped  # by programme index: the few centres de coûts serving it
    groupes: pl.Series
    categories: dict[str, str]  # catégorie juridique code → type ('' = autres)


def _norm_departement(code: str | None) -> str:
    code = (code or "").strip()
    if len(code) == 3 and code.startswith("0"):
        return code[1:]
    return code


def _programme_codes(frame: pl.DataFrame) -> list[str]:
    codes = {c.strip().lstrip("0").zfill(3) for c in frame["code"].to_list() if c and c.strip().isdigit()}
    return sorted(c for c in codes if len(c) == 3)


def _by_programme(codes: list[str], programmes: list[str], pattern: str) -> dict[str, list[str]]:
    regex = re.compile(pattern)
    wanted = set(programmes)
    grouped: dict[str, list[str]] = {}
    for code in sorted(set(codes)):
        if regex.match(code) and code[1:4] in wanted:
            grouped.setdefault(code[1:4], []).append(code)
    return grouped


def _programme_weights(programmes: list[str], rng: np.random.Generator) -> np.ndarray:
    weight = 1.0 / (1.0 + rng.permutation(len(programmes))) ** 0.8
    boost = np.array([8.0 if p in TERRITORIAL_PROGRAMMES else 1.0 for p in programmes])
    weight = weight * boost
    weight = weight / weight.sum()
    if POLITIQUE_DE_LA_VILLE in programmes and len(programmes) > 1:
        i = programmes.index(POLITIQUE_DE_LA_VILLE)
        weight = weight * (1 - POLITIQUE_DE_LA_VILLE_SHARE) / (1 - weight[i])
        weight[i] = POLITIQUE_DE_LA_VILLE_SHARE
    return weight / weight.sum()


def _regional_communes(refs: dict[str, pl.DataFrame], region: str) -> pl.DataFrame:
    communes = (
        refs["commune"]
        .filter((pl.col("code_region") == region) & (pl.col("code").str.len_chars() == 5))
        .select("code", "label", "code_departement", pl.col("code_epci").fill_null(""))
        .unique("code")
        .sort("code")
    )
    if communes.height == 0:
        raise ValueError(f"Aucune commune pour la région {region!r} dans les référentiels")
    return communes


def _epci(refs: dict[str, pl.DataFrame], communes: pl.DataFrame) -> pl.DataFrame:
    codes = sorted({c for c in communes["code_epci"].to_list() if c and c.isdigit() and len(c) == 9})
    frame = pl.DataFrame({"code": codes}, schema={"code": pl.Utf8})
    if "epci" in refs and {"code", "label"} <= set(refs["epci"].columns):
        known = refs["epci"].select(
            "code",
            "label",
            pl.col("nature") if "nature" in refs["epci"].columns else pl.lit("").alias("nature"),
        )
        return frame.join(known, on="code", how="left").fill_null("")
    return frame.with_columns(label=pl.lit(""), nature=pl.lit(""))


def _labels(refs: dict[str, pl.DataFrame], kind: str) -> dict[str, str]:
    frame = refs.get(kind)
    if frame is None or not {"code", "label"} <= set(frame.columns):
        return {}
    return dict(zip(frame["code"].to_list(), frame["label"].to_list(), strict=True))


def _centres(
    refs: dict[str, pl.DataFrame], departements: list[str], programmes: list[str], rng: np.random.Generator
) -> Grouped:
    frame = refs["centre_couts"]
    codes = frame["code"].to_list()
    deps = [_norm_departement(d) for d in frame["code_departement"].to_list()]
    local = sorted({c for c, d in zip(codes, deps, strict=True) if c and d in departements})
    pool = local if len(local) >= 5 else sorted({c for c in codes if c})
    if not pool:
        pool = [f"DREETS00{departements[0]}"]
    lists = []
    for _ in programmes:
        size = int(min(len(pool), 1 + rng.integers(0, 4)))
        lists.append(sorted(rng.choice(pool, size=size, replace=False).tolist()))
    return Grouped.build(lists)


def build_catalog(refs: dict[str, pl.DataFrame], region: str, seed: int) -> Catalog:
    rng = np.random.default_rng([seed, 1])
    communes = _regional_communes(refs, region)
    departements = sorted(set(communes["code_departement"].to_list()))
    programmes = _programme_codes(refs["programme"])
    domaines = _by_programme(refs["domaine_fonctionnel"]["code"].to_list(), programmes, r"^0\d{3}-")
    referentiels = _by_programme(
        refs["referentiel_programmation"]["code"].to_list(), programmes, r"^0\d{3}\w{8}$"
    )
    # two real codes seen in regional exports complete a thin bundle
    groupes = sorted({g for g in refs["groupe_marchandise"]["code"].to_list() if g} | set(KNOWN_GROUPES))
    categories = dict(
        zip(
            refs["categorie_juridique"]["code"].to_list(),
            refs["categorie_juridique"]["type"].fill_null("").to_list(),
            strict=True,
        )
    )
    return Catalog(
        region=region,
        departements=departements,
        communes=communes,
        commune_weight=_normalised(1.0 / (1.0 + rng.permutation(communes.height)) ** 1.1),
        epci=_epci(refs, communes),
        departement_labels=_labels(refs, "departement"),
        region_label=_labels(refs, "region").get(region, ""),
        programmes=pl.Series(programmes, dtype=pl.Utf8),
        programme_weight=_programme_weights(programmes, rng),
        domaines=Grouped.build([domaines.get(p, [f"0{p}-01"]) for p in programmes]),
        referentiels=Grouped.build([referentiels.get(p, [f"0{p}01010101"]) for p in programmes]),
        centres=_centres(refs, departements, programmes, rng),
        groupes=pl.Series(groupes, dtype=pl.Utf8),
        categories=categories,
    )


def _normalised(weight: np.ndarray) -> np.ndarray:
    return weight / weight.sum()
