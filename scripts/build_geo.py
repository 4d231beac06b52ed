"""Build the map geometries shipped with the web app: src/dataetat/web/static/geo/*.json.

    pip install -e '.[geo]'          # shapely >= 2.1 (GEOS >= 3.12 coverage simplification)
    python scripts/build_geo.py [--data ../shared/data]

Reads the openly licensed contours of `<data>/geo/` and the INSEE COG 2026 / DGCL epcicom files of
`<data>/cog/2026/` (through `dataetat.referentiels.readers`, so codes and names are those of the
ref_region / ref_departement / ref_epci / ref_commune tables) and writes GeoJSON files
(RFC 7946, WGS84, one FeatureCollection each, properties `code` and `nom` only), and index.json (the
versioned URL of each file, served as immutable by web/geo.py):

- communes/<département>.json (one file per département: a map loads the communes of its zone
  only): geo/communes-2018/*, codes translated to COG 2026 (a commune merged since 2018 is
  unioned into the commune it joined, via the commune passage of communes.csv and
  mouvements-communes.csv), simplified as a coverage (shapely.coverage_simplify: a border shared by
  two communes is simplified once, so neighbours keep an identical border: no gaps, no overlaps).
- epci.json: union of the simplified member communes of each EPCI (epcicom, members translated).
- regions.json, departements.json: metropolitan contours of regions-simplifiee /
  departements-simplifiee; the overseas départements 971-976 (and régions 01-06, one département
  each by the COG département -> région table) are the union of their communes.

Overseas communes are moved, with their true shape, into the inset boxes of
departements-drom-insets (west of mainland France), so a national map shows them; that file's own
contours are generalised (islands moved) and would not match the communes, so only its placement
is used.

Coordinates are rounded to COORD_DECIMALS; features are sorted by code and written compactly, so
the output is byte-identical for identical inputs and GEOS version. Also writes README.md
(format, provenance, licence, counts). The files are committed: users do not need shapely.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from dataetat.referentiels import readers as r
from dataetat.web.geo import version  # the `v` of index.json, as the server checks it

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
OUT = REPO / "src" / "dataetat" / "web" / "static" / "geo"
COMMAND = "python scripts/build_geo.py --data ../shared/data"

DROM = ("971", "972", "973", "974", "976")
COORD_DECIMALS = 4  # 1e-4 degree: about 11 m, well under the simplification tolerances below
# Coverage simplification tolerance of the communes, in degrees of latitude (about 890 m; longitudes
# are scaled by cos(46.5°) first, so about the same distance both ways). Visvalingam-Whyatt: drops
# the vertices whose triangle is smaller than tolerance². Sets the size of communes/ (~9.7 MB).
COMMUNE_TOLERANCE = 0.008
LON_SCALE = float(np.cos(np.radians(46.5)))
SIZE_LIMIT = 12_000_000  # bytes, the whole folder (tests/unit/test_geo.py checks it too)
FILE_LIMIT = 5_000_000  # bytes, any one file
INDEX = "index.json"  # logical name -> versioned URL (web/geo.py serves those as immutable)


@dataclass
class Layer:
    """Codes, names and geometries of one output file, sorted by code."""

    name: str
    codes: list[str]
    noms: list[str]
    geoms: np.ndarray

    @classmethod
    def of(cls, name: str, items: dict[str, tuple[str, shapely.Geometry]]) -> Layer:
        codes = sorted(items)
        return cls(name, codes, [items[c][0] for c in codes], np.array([items[c][1] for c in codes]))


@dataclass
class Cog:
    region: dict[str, str]  # code -> nom
    departement: dict[str, tuple[str, str]]  # code -> (nom, code région)
    commune: dict[str, str]  # current COM and ARM codes -> nom
    passage: dict[str, str]  # former commune code -> current commune code
    epci: dict[str, str]  # SIREN -> nom
    commune_epci: dict[str, str]  # current commune code -> EPCI SIREN


def read_cog(cog_dir: Path) -> Cog:
    """The COG 2026 and epcicom tables, as the referential build reads them."""
    communes = r.read_communes(cog_dir / "communes.csv")
    current = dict(communes["commune"].select("code", "label").iter_rows())
    moves = r.read_mouvements(cog_dir / "mouvements-communes.csv", current=set(current))
    passage = dict(moves["commune_passage"].iter_rows())
    passage.update(communes["commune_passage"].iter_rows())  # COMA/COMD -> parent wins
    passage = {old: new for old, new in passage.items() if new in current and old not in current}
    epcicom = r.read_epci(cog_dir / "epcicom.xlsx")
    commune_epci = {}
    for code, epci in epcicom["commune"].select("code", "code_epci").iter_rows():
        commune_epci[passage.get(code, code)] = epci
    departements = r.read_departements(cog_dir / "departements.csv")["departement"]
    return Cog(
        region=dict(r.read_regions(cog_dir / "regions.csv")["region"].select("code", "label").iter_rows()),
        departement={
            c: (n, reg) for c, n, reg in departements.select("code", "label", "code_region").iter_rows()
        },
        commune=current,
        passage=passage,
        epci=dict(epcicom["epci"].select("code", "label").iter_rows()),
        commune_epci=commune_epci,
    )


def read_features(path: Path) -> list[tuple[dict, shapely.Geometry]]:
    with path.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    return [(f["properties"], shape(f["geometry"])) for f in collection["features"]]


def valid(geom: shapely.Geometry) -> shapely.Geometry:
    return geom if geom.is_valid else shapely.make_valid(geom, method="structure")


# --- Communes and EPCI ------------------------------------------------------------------------


def read_communes_2018(geo_dir: Path, cog: Cog, stats: dict) -> Layer:
    """Commune contours (raw, real position), COG 2018 codes translated to COG 2026, merged
    communes unioned into the commune they joined."""
    parts: dict[str, list[shapely.Geometry]] = defaultdict(list)
    dropped = []
    for path in sorted((geo_dir / "communes-2018").glob("communes-*.geojson")):
        for props, geom in read_features(path):
            new = props["code"] if props["code"] in cog.commune else cog.passage.get(props["code"])
            if new is None:
                dropped.append(props["code"])
            else:
                parts[new].append(valid(geom))
    stats["communes_2018"] = sum(map(len, parts.values())) + len(dropped)
    stats["communes_2018_sans_code_2026"] = sorted(dropped)
    stats["communes_fusionnees"] = sum(len(v) - 1 for v in parts.values())
    items = {code: (cog.commune[code], shapely.coverage_union_all(geoms)) for code, geoms in parts.items()}
    return Layer.of("communes", items)


def union_by(layer: Layer, key: dict[str, str], noms: dict[str, str], name: str) -> Layer:
    """Union of the polygons of layer grouped by key[code] (a coverage stays a coverage, and the
    borders of the groups are exactly those of their members)."""
    members: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for code, geom in zip(layer.codes, layer.geoms, strict=True):
        if key.get(code) in noms:
            members[key[code]].append(geom)
    return Layer.of(name, {k: (noms[k], shapely.coverage_union_all(g)) for k, g in members.items()})


def coverage_simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify a polygon coverage, keeping shared borders identical (longitudes scaled first)."""
    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("Les contours des communes ne forment pas une couverture (chevauchements).")
    scale = np.array([LON_SCALE, 1.0])
    flat = shapely.transform(geoms, lambda c: c * scale)
    return shapely.transform(shapely.coverage_simplify(flat, tolerance), lambda c: c / scale)


# --- Overseas insets ---------------------------------------------------------------------------


def read_inset_boxes(geo_dir: Path) -> dict[str, tuple[float, float, float, float]]:
    """Where departements-drom-insets puts each overseas département (its bounding box). Its
    contours are generalised (islands moved), so only the placement is used."""
    boxes = {}
    for props, geom in read_features(geo_dir / "departements-drom-insets.geojson"):
        if props["insee_dep"] in DROM:
            boxes[props["insee_dep"]] = geom.bounds
    missing = set(DROM) - set(boxes)
    if missing:
        raise SystemExit(f"departements-drom-insets.geojson : départements absents {sorted(missing)}")
    return boxes


def inset_transform(real: tuple[float, ...], box: tuple[float, ...]) -> Callable[[np.ndarray], np.ndarray]:
    """Similarity (same scale in kilometres both ways: shapes kept) that fits the real bounding box
    into the inset box, centred."""
    (rx0, ry0, rx1, ry1), (bx0, by0, bx1, by1) = real, box
    rk, bk = np.cos(np.radians([(ry0 + ry1) / 2, (by0 + by1) / 2]))
    scale = min((bx1 - bx0) * bk / ((rx1 - rx0) * rk), (by1 - by0) / (ry1 - ry0))
    factor = np.array([scale * rk / bk, scale])
    real_centre, box_centre = np.array([rx0 + rx1, ry0 + ry1]) / 2, np.array([bx0 + bx1, by0 + by1]) / 2
    return lambda coords: (coords - real_centre) * factor + box_centre


def move_overseas(communes: Layer, boxes: dict[str, tuple[float, ...]]) -> None:
    """Move the communes of 971-976 into the inset box of their département."""
    for dep, box in boxes.items():
        index = [i for i, code in enumerate(communes.codes) if code.startswith(dep)]
        move = inset_transform(shapely.total_bounds(communes.geoms[index]), box)
        communes.geoms[index] = shapely.transform(communes.geoms[index], move)


# --- Régions and départements -----------------------------------------------------------------


def build_admin(geo_dir: Path, cog: Cog, communes: Layer) -> tuple[Layer, Layer]:
    """Régions and départements: metropolitan simplified contours; overseas départements (and
    their one-département régions) as the union of their (moved, simplified) communes."""
    deps = {
        p["code"]: (cog.departement.get(p["code"], (p["nom"],))[0], valid(g))
        for p, g in read_features(geo_dir / "departements-simplifiee.geojson")
    }
    regs = {
        p["code"]: (cog.region.get(p["code"], p["nom"]), valid(g))
        for p, g in read_features(geo_dir / "regions-simplifiee.geojson")
    }
    overseas = {code: code[:3] for code in communes.codes if code[:3] in DROM}
    dep_noms = {dep: cog.departement[dep][0] for dep in DROM}
    drom = union_by(communes, overseas, dep_noms, "departements")
    for dep, nom, geom in zip(drom.codes, drom.noms, drom.geoms, strict=True):
        deps[dep] = (nom, geom)
        reg = cog.departement[dep][1]
        regs[reg] = (cog.region[reg], geom)  # each overseas région is one département
    return Layer.of("regions", regs), Layer.of("departements", deps)


# --- Output ------------------------------------------------------------------------------------


def _ring(ring: shapely.LinearRing, decimals: int) -> list | None:
    coords = np.round(shapely.get_coordinates(ring), decimals) + 0.0  # + 0.0: no -0.0
    coords = coords[np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]]
    return coords.tolist() if len(coords) >= 4 else None  # collapsed by the rounding: dropped


def _rounded(geom: shapely.Geometry, decimals: int) -> dict:
    polygons = []
    for part in shapely.get_parts(shapely.orient_polygons(geom, exterior_cw=False)):
        if not isinstance(part, shapely.Polygon):
            continue
        exterior = _ring(part.exterior, decimals)
        if exterior is not None:
            holes = (_ring(hole, decimals) for hole in part.interiors)
            polygons.append([exterior, *(h for h in holes if h is not None)])
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def geojson_geometry(geom: shapely.Geometry) -> dict:
    """Polygon or MultiPolygon, RFC 7946 winding, coordinates rounded to COORD_DECIMALS (rounding
    keeps identical vertices identical, so shared borders stay shared). The rare polygon that the
    rounding makes invalid (two vertices snapped across one of its edges) keeps one or two more decimals."""
    for decimals in (COORD_DECIMALS, COORD_DECIMALS + 1, COORD_DECIMALS + 2):
        rounded = _rounded(geom, decimals)
        if rounded["coordinates"] and shape(rounded).is_valid:
            return rounded
    raise ValueError(f"géométrie invalide ou vide après arrondi : {geom.wkt[:80]}")


def feature_collection(layer: Layer) -> str:
    """Compact GeoJSON, one feature per line (readable diffs)."""
    features = [
        json.dumps(
            {"type": "Feature", "properties": {"code": c, "nom": n}, "geometry": geojson_geometry(g)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for c, n, g in zip(layer.codes, layer.noms, layer.geoms, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"


def coverage_report(communes: Layer, cog: Cog) -> dict[str, object]:
    """How many current communes (COM, not the municipal arrondissements) have a contour."""
    have = set(communes.codes)
    arm = {c for c in cog.commune if c[:3] in ("751", "132") or c.startswith("6938")}
    arm -= {"75056", "13055", "69123"}
    current = [c for c in cog.commune if c not in arm]
    missing = sorted(c for c in current if c not in have)
    metro = [c for c in current if not c.startswith("97")]
    return {
        "communes_2026": len(current),
        "communes_2026_avec_contour": len(current) - len(missing),
        "metropole": len(metro),
        "metropole_avec_contour": sum(c in have for c in metro),
        "sans_contour": missing,
    }


def readme(
    layers: dict[str, Layer], sizes: dict[str, tuple[int, int, int, int]], stats: dict[str, object]
) -> str:
    def file(name: str) -> str:
        count, biggest = sizes[name][2], sizes[name][3]
        return f"{name}/*.json ({count} files, the largest {biggest} bytes)" if count > 1 else f"{name}.json"

    rows = "\n".join(
        f"| {file(name)} | {len(layer.codes)} | {sizes[name][0]} | {sizes[name][1]} | {SOURCES[name]} |"
        for name, layer in layers.items()
    )
    missing = ", ".join(stats["sans_contour"]) or "aucune"
    return README.format(
        command=COMMAND,
        rows=rows,
        total=sum(size[0] for size in sizes.values()),
        decimals=COORD_DECIMALS,
        commune_tol=COMMUNE_TOLERANCE,
        commune_m=round(COMMUNE_TOLERANCE * 111_000, -1),
        metro=stats["metropole"],
        metro_ok=stats["metropole_avec_contour"],
        all_=stats["communes_2026"],
        all_ok=stats["communes_2026_avec_contour"],
        missing=missing,
        merged=stats["communes_fusionnees"],
    )


SOURCES = {
    "regions": "`geo/regions-simplifiee.geojson`; 01-06: the overseas départements below; "
    "`cog/2026/regions.csv`, `cog/2026/departements.csv`",
    "departements": "`geo/departements-simplifiee.geojson`; 971-976: union of their communes, placed "
    "by `geo/departements-drom-insets.geojson`; `cog/2026/departements.csv`",
    "communes": "`geo/communes-2018/*.geojson`, `cog/2026/communes.csv`, "
    "`cog/2026/mouvements-communes.csv`; 971-976 placed by `geo/departements-drom-insets.geojson`",
    "epci": "union of the communes of `communes/`, `cog/2026/epcicom.xlsx`",
}

README = """# Map geometries — format and provenance

Built by `{command}` (from the repository root; needs the `geo` extra:
`pip install -e '.[geo]'`). Do not edit by hand: rebuild. The script is deterministic (same inputs
and GEOS version, same bytes).

## Format

Plain **GeoJSON** (RFC 7946): one `FeatureCollection` per file, WGS84 longitude/latitude, exterior
rings counter-clockwise, one feature per line, coordinates rounded to {decimals} decimals (about
11 m; the very few polygons that this rounding would make invalid keep one more decimal). Every
polygon is valid. Every feature has exactly two properties: `code` (string: INSEE code of the région,
département or commune, SIREN of the EPCI — the `code` of `ref_region`, `ref_departement`,
`ref_commune`, `ref_epci`) and `nom` (the COG 2026 / epcicom label of the same tables).
Features are sorted by `code`. The communes are split by département (`communes/35.json`,
`communes/2A.json`, `communes/971.json`): a map loads the communes of its zone only.

`index.json` maps each file (`regions`, `departements`, `epci`, `communes/35`…) to its URL with a
content hash (`/static/geo/communes/35.json?v=<12 hex digits of its SHA-256>`): the app serves these
files gzip-compressed (compressed once per process) and, when `v` is the file's hash, with
`Cache-Control: public, max-age=31536000, immutable` (src/dataetat/web/geo.py); a rebuilt file gets a
new URL. The map modules read `index.json` (revalidated each time) and then the files it names.
In MapLibre GL: `map.addSource("communes", {{type: "geojson", data: url, promoteId: "code"}})`, then
colour with `["get", "code"]` lookups or `setFeatureState`; in Leaflet: `L.geoJSON(data)`.

| File | Features | Bytes | Gzipped | Sources (relative to `../shared/data`) |
|---|---|---|---|---|
{rows}

Total: {total} bytes (the limits, checked by tests/unit/test_geo.py: 12 MB for this folder, 5 MB
for any file).

**Overseas départements are insets.** Guadeloupe, Martinique, Guyane, La Réunion and Mayotte are
drawn moved and scaled west of mainland France (Bay of Biscay), at the places and sizes of the
ANCT layout `departements-drom-insets.geojson`, in every file, so that a national map shows them.
The contours of that file are generalised (islands moved closer: Marie-Galante, Petite-Terre…) and
do not match the communes; so the communes of 971-976 are moved, with their true shape (one scale
in kilometres both ways, centred in the inset's bounding box), and the overseas départements and
régions are the union of their communes: every layer has the same overseas borders. Their
coordinates are not their real position: do not draw them on a basemap. Saint-Pierre-et-Miquelon,
Saint-Barthélemy, Saint-Martin and the other overseas collectivities are not drawn (no COG
département).

## Simplification

`regions.json` and `departements.json` (metropolitan part) keep the already simplified contours of
france-geojson, only rounded. `communes/` is simplified as a coverage
(`shapely.coverage_simplify`, Visvalingam–Whyatt on the shared edges: neighbours keep exactly the
same border, no gaps, no overlaps) with a tolerance of {commune_tol}° (≈ {commune_m:.0f} m; longitudes
scaled by cos(46.5°) first): fine for a national, regional or departmental map, coarse for the
smallest urban communes. `epci.json` (and the overseas départements) are unions of these simplified
communes, so an EPCI outline drawn over the communes falls exactly on their borders. The
metropolitan départements of france-geojson differ from the commune borders by up to a few hundred
metres.

## Codes

Contours are those of IGN ADMIN EXPRESS 2018 (COG 2018); their codes are translated to COG 2026:
a commune merged into another since 2018 is unioned into it ({merged} contours unioned this way),
through the commune passage of `communes.csv` (associated and delegated communes) and
`mouvements-communes.csv`. EPCI = union of their member communes (epcicom).

Coverage: {metro_ok} of the {metro} current communes of metropolitan France have a contour; {all_ok}
of {all_} with the overseas départements. Current communes without a contour: {missing}: they were
re-established since 2018 out of a commune that existed then, and their territory is still drawn
inside that commune (e.g. 15141 Neussargues-Moissac covers 15031, 15035, 15047 and 15171; 14712
Troarn covers 14666; 85084 Essarts-en-Bocage covers 85165 and 85212).
Municipal arrondissements of Paris, Lyon and Marseille (751xx, 6938x, 132xx) have no contour: their
commune (75056, 69123, 13055) has one. Région codes 00 and 99 (Chorus: administration centrale,
étranger) have none.

## Licence and provenance

- `geo/regions-simplifiee.geojson`, `geo/departements-simplifiee.geojson`,
  `geo/communes-2018/`: gregoiredavid/france-geojson @5d34ee6, derived from IGN ADMIN EXPRESS 2018
  — Licence Ouverte / Open Licence (Etalab).
- `geo/departements-drom-insets.geojson`: anct-carto/ci-ville @7465bbc `src/assets/geom_dep.json`
  — Licence Ouverte 2.0.
- `cog/2026/*`: INSEE Code officiel géographique 2026 and DGCL epcicom, via
  datagouv/decoupage-administratif @98976e5 — Licence Ouverte 2.0.

These files are a derived work under the Licence Ouverte 2.0: reuse is free provided the source is
credited, e.g. « Contours : IGN ADMIN EXPRESS 2018 (via france-geojson), ANCT ; codes : INSEE COG
2026, DGCL — Licence Ouverte 2.0 ». The QPV contours of `../shared/data/qpv/` are not shipped
(no licence: tests only).
"""


def build(data: Path) -> tuple[dict[str, Layer], dict[str, object]]:
    geo_dir, cog = data / "geo", read_cog(data / "cog" / "2026")
    stats: dict[str, object] = {}
    communes = read_communes_2018(geo_dir, cog, stats)
    stats.update(coverage_report(communes, cog))
    move_overseas(communes, read_inset_boxes(geo_dir))
    communes.geoms = coverage_simplify(communes.geoms, COMMUNE_TOLERANCE)
    epci = union_by(communes, cog.commune_epci, cog.epci, "epci")
    regions, departements = build_admin(geo_dir, cog, communes)
    return {layer.name: layer for layer in (regions, departements, epci, communes)}, stats


def departement_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def outputs(layers: dict[str, Layer]) -> dict[str, bytes]:
    """File name (relative to the output folder) -> bytes: régions, départements and EPCI whole; the
    communes one file per département (communes/35.json): a map needs the communes of its zone
    only (the 35,000 together weigh 9.7 MB)."""
    files = {
        f"{name}.json": feature_collection(layers[name]).encode("utf-8")
        for name in ("regions", "departements", "epci")
    }
    communes = layers["communes"]
    by_dep: dict[str, list[int]] = defaultdict(list)
    for i, code in enumerate(communes.codes):
        by_dep[departement_of(code)].append(i)
    for dep, index in sorted(by_dep.items()):
        part = Layer(
            "communes",
            [communes.codes[i] for i in index],
            [communes.noms[i] for i in index],
            communes.geoms[index],
        )
        files[f"communes/{dep}.json"] = feature_collection(part).encode("utf-8")
    return files


def index(files: dict[str, bytes]) -> bytes:
    """index.json: each file's URL with its content hash (`?v=`), so that the browser may keep it
    for a year (web/geo.py: immutable when `v` is the file's hash); the map reads it first."""
    urls = {
        name.removesuffix(".json"): f"/static/geo/{name}?v={version(data)}"
        for name, data in sorted(files.items())
    }
    return (json.dumps(urls, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    args = parser.parse_args()
    layers, stats = build(args.data)
    files = outputs(layers)
    (args.out / "communes").mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("*.json"), *(args.out / "communes").glob("*.json")]:
        old.unlink()  # a département or a layer gone stays gone
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    (args.out / INDEX).write_bytes(index(files))
    sizes = {}
    for name, layer in layers.items():
        parts = [d for f, d in files.items() if f == f"{name}.json" or f.startswith(f"{name}/")]
        sizes[name] = (
            sum(map(len, parts)),
            sum(len(gzip.compress(d, compresslevel=9, mtime=0)) for d in parts),
            len(parts),
            max(map(len, parts)),
        )
        print(
            f"{name:14} {len(layer.codes):>6} entités {sizes[name][0]:>10} octets ({sizes[name][1]} gzip) "
            f"en {len(parts)} fichier(s)"
        )
    (args.out / "README.md").write_text(readme(layers, sizes, stats), encoding="utf-8")
    every = [p for p in args.out.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in every)
    biggest = max(every, key=lambda p: p.stat().st_size)
    print(
        f"Total : {total} octets (limite {SIZE_LIMIT}) ; le plus gros : {biggest.name} {biggest.stat().st_size}"
    )
    print(
        f"Communes de métropole avec contour : {stats['metropole_avec_contour']} / {stats['metropole']} ; "
        f"sans contour : {len(stats['sans_contour'])} ; codes 2018 sans code 2026 : "
        f"{stats['communes_2018_sans_code_2026'] or 'aucun'}"
    )
    if total > SIZE_LIMIT:
        raise SystemExit(f"Trop lourd : {total} octets > {SIZE_LIMIT}")
    if biggest.stat().st_size > FILE_LIMIT:
        raise SystemExit(f"Fichier trop lourd : {biggest} > {FILE_LIMIT} octets")


if __name__ == "__main__":
    main()
