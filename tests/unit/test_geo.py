"""The map geometries shipped with the web app (built by scripts/build_geo.py): plain GeoJSON read
with the standard library only, checked against the bundled referentials; the communes one file
per département, every file named with its content hash in index.json, none over 5 MB."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest

import dataetat
from dataetat.referentiels.bundled import bundled_path
from dataetat.referentiels.cog import CHORUS_REGIONS

GEO = Path(dataetat.__file__).resolve().parent / "web" / "static" / "geo"
LAYERS = {"regions": "region", "departements": "departement", "epci": "epci", "communes": "commune"}
SIZE_LIMIT = 12_000_000
FILE_LIMIT = 5_000_000
DROM = {"971", "972", "973", "974", "976"}
DROM_REGIONS = {"01", "02", "03", "04", "06"}
# Insets included, every coordinate lies in this box (lon min, lat min, lon max, lat max).
FRANCE_WITH_INSETS = (-6.0, 41.0, 10.0, 51.5)


def bundled_codes(table: str) -> dict[str, dict[str, str]]:
    with gzip.open(bundled_path(table), "rt", encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(io.StringIO(handle.read()))}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def layers() -> dict[str, dict]:
    """The four layers, the communes gathered from their files by département."""
    result = {name: read(GEO / f"{name}.json") for name in LAYERS if name != "communes"}
    features = [f for path in sorted((GEO / "communes").glob("*.json")) for f in read(path)["features"]]
    result["communes"] = {
        "type": "FeatureCollection",
        "features": sorted(features, key=lambda f: f["properties"]["code"]),
    }
    return result


def codes(collection: dict) -> set[str]:
    return {feature["properties"]["code"] for feature in collection["features"]}


def test_files_are_feature_collections_with_code_and_nom(layers):
    for name, collection in layers.items():
        assert collection["type"] == "FeatureCollection", name
        features = collection["features"]
        assert features, name
        for feature in features:
            assert feature["type"] == "Feature"
            props = feature["properties"]
            assert isinstance(props["code"], str) and props["code"], (name, props)
            assert isinstance(props["nom"], str) and props["nom"], (name, props)
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon"), (name, props)
        assert len(codes(collection)) == len(features), f"{name}: codes en double"
        assert [f["properties"]["code"] for f in features] == sorted(codes(collection)), name


def test_codes_are_those_of_the_referentials(layers):
    for name, table in LAYERS.items():
        stray = codes(layers[name]) - set(bundled_codes(table))
        assert not stray, f"{name}: codes absents de ref_{table} : {sorted(stray)[:10]}"


def test_every_region_and_departement_has_a_feature(layers):
    regions = set(bundled_codes("region")) - set(CHORUS_REGIONS)
    assert regions <= codes(layers["regions"])
    assert set(bundled_codes("departement")) <= codes(layers["departements"])


def test_overseas_departements_and_regions_are_present(layers):
    assert DROM <= codes(layers["departements"])
    assert DROM_REGIONS <= codes(layers["regions"])
    overseas_communes = {c[:3] for c in codes(layers["communes"]) if c.startswith("97")}
    assert overseas_communes == DROM


def test_most_current_communes_have_a_feature(layers):
    metropole = {
        c for c, row in bundled_codes("commune").items() if not row["code_departement"].startswith("97")
    }
    covered = len(metropole & codes(layers["communes"])) / len(metropole)
    assert covered >= 0.95, f"{covered:.1%} des communes de métropole ont un contour"


def test_most_epci_have_a_feature(layers):
    epci = set(bundled_codes("epci"))
    assert len(epci & codes(layers["epci"])) >= 0.99 * len(epci)


def test_coordinates_are_wgs84_in_france_with_insets(layers):
    x0, y0, x1, y1 = FRANCE_WITH_INSETS

    def points(coordinates):
        if isinstance(coordinates[0], (int, float)):
            yield coordinates
        else:
            for item in coordinates:
                yield from points(item)

    for name in LAYERS:
        for feature in layers[name]["features"]:
            for x, y in points(feature["geometry"]["coordinates"]):
                assert x0 < x < x1 and y0 < y < y1, (name, feature["properties"]["code"], x, y)


def test_no_qpv_and_folder_stays_light():
    # The QPV contours of tests/data/sources have no licence: tests only, never shipped.
    files = [p for p in GEO.rglob("*") if p.is_file()]
    assert not [p.name for p in files if "qp" in p.name.lower()]
    total = sum(p.stat().st_size for p in files)
    assert total <= SIZE_LIMIT, f"{total} octets > {SIZE_LIMIT}"
    biggest = max(files, key=lambda p: p.stat().st_size)
    assert biggest.stat().st_size <= FILE_LIMIT, f"{biggest} : {biggest.stat().st_size} octets > {FILE_LIMIT}"


def test_communes_are_split_by_departement():
    """A map loads the communes of its zone only: one file per département, each holding exactly
    the communes of that département (no 9.7 MB file of 35,000 communes)."""
    assert not (GEO / "communes.json").exists()
    departements = {f["properties"]["code"] for f in read(GEO / "departements.json")["features"]}
    files = {p.stem: read(p) for p in (GEO / "communes").glob("*.json")}
    assert set(files) == departements
    for dep, collection in files.items():
        assert collection["features"], dep
        assert all(f["properties"]["code"][: len(dep)] == dep for f in collection["features"]), dep


def test_index_names_every_file_with_its_content_hash():
    index = read(GEO / "index.json")
    files = {str(p.relative_to(GEO)) for p in GEO.rglob("*.json")} - {"index.json"}
    assert {f"{name}.json" for name in index} == files
    for name, url in index.items():
        digest = hashlib.sha256((GEO / f"{name}.json").read_bytes()).hexdigest()[:12]
        assert url == f"/static/geo/{name}.json?v={digest}", name
