"""Fictitious QPVs of the demo (no official contours are licensed for it): small irregular octagons
drawn inside the communes where the demo's beneficiaries are densest, labelled « (QPV fictif de
démonstration) », with their SIRET → QPV file and a « lieu de l'action » split of some EJs."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

import dataetat
from dataetat.demo.sources_noms import ACTIONS, QUARTIERS
from dataetat.ingest.qpv_csv import LIEU_COLUMNS

# One file of commune contours per département (scripts/build_geo.py): communes/35.json…
COMMUNES_GEO = Path(dataetat.__file__).resolve().parent / "web" / "static" / "geo" / "communes"
LABEL_SUFFIX = " (QPV fictif de démonstration)"
# How many QPVs each host commune gets, densest commune first (25 in all).
PER_HOST = (4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1)
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Qpv:
    code: str
    label: str
    commune: str
    commune_label: str
    departement: str
    ring: list[list[float]]  # closed, counter-clockwise


def region_rings(codes: set[str]) -> dict[str, tuple[str, np.ndarray]]:
    """code → (name, outer ring of its largest polygon) for these communes (one feature a line)."""
    found: dict[str, tuple[str, np.ndarray]] = {}
    departements = sorted({c[:3] if c.startswith("97") else c[:2] for c in codes})
    for path in (COMMUNES_GEO / f"{d}.json" for d in departements):
        if path.is_file():
            _read_rings(path, codes, found)
    return found


def _read_rings(path: Path, codes: set[str], found: dict[str, tuple[str, np.ndarray]]) -> None:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            start = line.find('"code":"')
            if start < 0 or line[start + 8 : start + 13] not in codes:
                continue
            feature = json.loads(line.rstrip().rstrip(","))
            geometry = feature["geometry"]
            polygons = geometry["coordinates"]
            if geometry["type"] == "Polygon":
                polygons = [polygons]
            ring = max((np.asarray(p[0], dtype=float) for p in polygons), key=len)
            found[feature["properties"]["code"]] = (feature["properties"]["nom"], ring)


def _inside(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Ray casting: which (lon, lat) points lie inside the ring."""
    x, y = points[:, 0:1], points[:, 1:2]
    x1, y1, x2, y2 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    crosses = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return ((crosses & (x < at)).sum(axis=1) % 2) == 1


def _octagon(rng: np.random.Generator, centre: np.ndarray, radius: float) -> np.ndarray:
    angles = np.radians(np.arange(8) * 45.0 + rng.uniform(-12, 12, 8))
    radii = radius * rng.uniform(0.7, 1.15, 8)
    dlat = radii * np.sin(angles) / METRES_PER_DEGREE
    dlon = radii * np.cos(angles) / (METRES_PER_DEGREE * math.cos(math.radians(centre[1])))
    points = np.round(np.column_stack([centre[0] + dlon, centre[1] + dlat]), 5)
    return np.vstack([points, points[:1]])


def _place(rng: np.random.Generator, ring: np.ndarray, taken: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """An octagon of 180-420 m inside the ring, away from the commune's other QPVs."""
    middle = ring[:-1].mean(axis=0)
    half = (ring.max(axis=0) - ring.min(axis=0)) / 2
    radius = float(rng.uniform(180, 420))
    for attempt in range(300):
        spread = 0.15 + 0.5 * attempt / 300
        centre = middle + rng.uniform(-spread, spread, 2) * half
        octagon = _octagon(rng, centre, radius)
        metres = np.array([METRES_PER_DEGREE * math.cos(math.radians(centre[1])), METRES_PER_DEGREE])
        apart = all(np.hypot(*((centre - c) * metres)) > radius + r + 60 for c, r in taken)
        if apart and _inside(octagon, ring).all():
            taken.append((centre, radius))
            return octagon
        if attempt % 50 == 49:
            radius *= 0.8
    taken.append((middle, radius))
    return _octagon(rng, middle, 60.0)


def _code(departement: str, index: int) -> str:
    """QN + département on 3 characters + 2 characters + M, in a range (9x) real codes do not reach."""
    digit = str(index) if index < 10 else chr(ord("A") + index - 10)
    return f"QN{departement.zfill(3)}9{digit}M"


def build_qpvs(hosts: list[str], rings: dict[str, tuple[str, np.ndarray]], seed: int) -> list[Qpv]:
    rng = np.random.default_rng([seed, 60])
    names = [QUARTIERS[i] for i in rng.permutation(len(QUARTIERS))]
    per_departement: dict[str, int] = {}
    qpvs: list[Qpv] = []
    for host, count in zip(hosts, PER_HOST, strict=False):
        commune_label, ring = rings[host]
        departement = host[:2]
        taken: list[tuple[np.ndarray, float]] = []
        for _ in range(count):
            index = per_departement.get(departement, 0)
            per_departement[departement] = index + 1
            name = names[len(qpvs) % len(names)]
            octagon = _place(rng, ring, taken)
            label = f"{name}{LABEL_SUFFIX}"
            qpvs.append(
                Qpv(_code(departement, index), label, host, commune_label, departement, octagon.tolist())
            )
    return qpvs


def write_geojson(
    qpvs: list[Qpv], path: Path, region: str, region_label: str, departements: dict[str, str]
) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "code_qp": q.code,
                "lib_qp": q.label,
                "insee_reg": region,
                "lib_reg": region_label,
                "insee_dep": q.departement,
                "lib_dep": departements.get(q.departement, ""),
                "insee_com": q.commune,
                "lib_com": q.commune_label,
            },
            "geometry": {"type": "Polygon", "coordinates": [q.ring]},
        }
        for q in qpvs
    ]
    collection = {"type": "FeatureCollection", "name": "qpv_2024_fictifs_demonstration", "features": features}
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    head = json.dumps({k: v for k, v in collection.items() if k != "features"}, ensure_ascii=False)[:-1]
    path.write_text(f'{head}, "features": [\n{lines}\n]}}\n', encoding="utf-8")


def write_siret_qpv(etab: pl.DataFrame, qpvs: list[Qpv], path: Path, seed: int, share: float = 0.10) -> int:
    """Every SIRET of the extract: about `share` of those of a QPV's commune get one of its QPVs,
    the others of those communes are « HZ » (hors zone), the rest « CSZ » (commune sans zonage).
    Returns how many SIRETs got a QPV."""
    rng = np.random.default_rng([seed, 61])
    by_commune: dict[str, list[str]] = {}
    for q in qpvs:
        by_commune.setdefault(q.commune, []).append(q.code)
    communes = etab["commune"].to_list()
    host = np.array([c in by_commune for c in communes], dtype=bool)
    candidates = np.flatnonzero(host)
    chosen = rng.permutation(candidates)[: max(1, round(share * candidates.size))] if candidates.size else []
    qp24 = np.where(host, "HZ", "CSZ").astype(object)
    for i in chosen:
        codes = by_commune[communes[i]]
        qp24[i] = codes[int(rng.integers(0, len(codes)))]
    frame = pl.DataFrame(
        {"siret": etab["siret"], "plg_qp15": np.where(host, "HZ", "CSZ").tolist(), "plg_qp24": qp24.tolist()}
    )
    frame.write_csv(path, separator=";", line_terminator="\n", quote_style="necessary")
    return len(chosen)


def read_ae_ejs(ae_files: list[Path], exercices: list[int]) -> pl.DataFrame:
    """Per EJ of the Chorus AE files: programme, SIRET, total amount and first exercice."""
    frames = []
    for path, year in zip(ae_files, exercices, strict=True):
        raw = pl.read_csv(path, skip_rows=8, has_header=False, infer_schema=False, columns=[0, 4, 10, 17])
        raw.columns = ["programme", "n_ej", "siret", "montant"]
        frames.append(raw.with_columns(pl.lit(year).alias("annee")))
    lines = pl.concat(frames).filter(pl.col("n_ej") != "#")
    cents = (
        (pl.col("montant").str.replace(",", ".", literal=True).cast(pl.Float64) * 100).round().cast(pl.Int64)
    )
    return (
        lines.with_columns(cents.alias("cents"))
        .group_by("n_ej")
        .agg(
            pl.col("programme").first(),
            pl.col("siret").first(),
            pl.col("cents").sum(),
            pl.col("annee").min(),
        )
        .filter(pl.col("cents") >= 100_00)
        .sort("n_ej")
    )


def write_lieu_action(ejs: pl.DataFrame, qpvs: list[Qpv], path: Path, seed: int, wanted: int = 300) -> int:
    """About `wanted` EJs (programme 147 first) split over 1-3 QPVs for 30-100 % of their amount.
    Returns the number of rows written."""
    rng = np.random.default_rng([seed, 62])
    ejs = ejs.with_columns(pl.Series("shuffle", rng.permutation(ejs.height)))
    ejs = ejs.sort([pl.col("programme") != "147", "shuffle"]).head(wanted).sort("n_ej")
    rows = []
    seq: dict[tuple[str, int], int] = {}
    for ej in ejs.iter_rows(named=True):
        k = int(rng.integers(1, 4))
        picked = [qpvs[i] for i in rng.choice(len(qpvs), size=min(k, len(qpvs)), replace=False)]
        total = ej["cents"] * rng.uniform(0.3, 1.0)
        weights = rng.dirichlet(np.ones(len(picked)))
        year = ej["annee"]
        siret = ej["siret"] if ej["siret"] and ej["siret"].isdigit() else ""
        key = (picked[0].departement, year)
        seq[key] = seq.get(key, 0) + 1
        for part, (q, w) in enumerate(zip(picked, weights, strict=True), start=1):
            euros = max(1, int(total * w) // 100)
            action = ACTIONS[int(rng.integers(0, len(ACTIONS)))]
            ref = f"PREFD{key[0]}-{year % 100:02d}-{seq[key]:04d}-{part}"
            label = f"{action} {q.label.removesuffix(LABEL_SUFFIX)}"
            rows.append((str(year), ref, ej["n_ej"], q.code, q.code, str(euros), label, siret))
    frame = pl.DataFrame(rows, schema=LIEU_COLUMNS, orient="row")
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        frame.write_csv(handle, line_terminator="\n", quote_style="necessary")
    return frame.height
