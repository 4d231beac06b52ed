"""QPV referential: contours of the quartiers prioritaires, from GeoJSON or an ESRI shapefile.

    source = read_qpv(path, decoupage=None)   # rows of ref_qpv; extra["decoupage"] = 2015 | 2024

GeoJSON: a FeatureCollection. Shapefile: a .zip holding .shp/.dbf(/.prj), or a .shp with its
siblings (read with pyshp). Coordinates must end up in WGS84: a .prj (or a GeoJSON `crs`) in
another system, e.g. Lambert 93, is converted with pyproj. The « line » of a problem is the
feature's number (1 = first feature). Property names are compared without case; accepted names
are in PROPERTIES (docs/import.md lists them).
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from dataetat.ingest import source_csv as sc
from dataetat.ingest.problems import FileUnreadable, Report
from dataetat.ingest.qpv_csv import QPV_CODE

PROPERTIES = {
    "code": ("code_qp", "code_qpv", "code", "cod_qp", "code_quartier"),
    "label": ("nom_qp", "lib_qp", "nom_qpv", "lib_qpv", "nom", "libelle", "label"),
    "code_commune": ("code_commune", "insee_com", "code_insee", "insee_commune", "depcom", "codgeo"),
    "code_departement": ("code_departement", "insee_dep", "code_dep", "dep"),
}
_PREFIX = {"QP": 2015, "QN": 2024}
# A shapefile .zip is unpacked to disk, at most this many bytes (a zip bomb is refused, not unpacked).
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_TOO_DEEP = (
    "Fichier GeoJSON refusé : ses géométries sont imbriquées sur des milliers de niveaux "
    "(un contour de quartier en compte au plus quatre)."
)
_WGS84_NAMES = ("CRS84", "4326", "WGS84", "WGS 84")


def read_qpv(path: Path, decoupage: int | None = None) -> sc.SourceFile:
    kind = "shapefile" if path.suffix.lower() in (".zip", ".shp") else "geojson"
    source = sc.open_source(path, kind, "qpv")
    report = source.report
    try:
        features, crs = _shapefile(path, report) if kind == "shapefile" else _geojson(path, report)
        transform = _transformer(crs, report)
        rows = []
        for number, (props, geometry) in enumerate(features, start=1):
            row = _row(number, props, geometry, transform, report)
            if row is not None:
                rows.append(row)
    except FileUnreadable:
        return source
    except RecursionError:  # a geometry nested thousands of levels deep (json.loads, our walk)
        report.add("imbrication-trop-profonde", detail=_TOO_DEEP)
        return source
    report.lignes_lues = len(features)
    if not features:
        report.add("aucune-ligne")
    divisions = {_PREFIX.get(r["code"][:2]) for r in rows}
    if decoupage is None and len(divisions) > 1:
        report.add(
            "valeur-invalide",
            colonne="code",
            valeur=", ".join(sorted({r["code"][:2] for r in rows})),
            detail="le fichier mêle les découpages 2015 (QP…) et 2024 (QN…)",
        )
    if decoupage is not None:
        for r in rows:
            if _PREFIX.get(r["code"][:2]) != decoupage:
                report.add("qpv-invalide", ligne=r["ligne"], colonne="code", valeur=r["code"])
    frame = pl.DataFrame(
        rows,
        schema={
            "ligne": pl.Int64,
            "code": pl.String,
            "label": pl.String,
            "code_commune": pl.String,
            "communes": pl.String,
            "code_departement": pl.String,
            "geometrie": pl.String,
            "longitude": pl.Float64,
            "latitude": pl.Float64,
        },
    )
    sc.duplicates(report, frame, ["code"], "code")
    if not report.valid:
        return source
    source.extra["decoupage"] = decoupage or next(iter(divisions))
    source.frame = frame.drop("ligne").with_columns(
        pl.lit(source.extra["decoupage"], pl.Int32).alias("annee_decoupage")
    )
    return source


def _geojson(path: Path, report: Report) -> tuple[list, str | None]:
    sc.check_binary(path, report)
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        report.add("format-inconnu", detail=f"GeoJSON illisible ({e})")
        raise FileUnreadable(report) from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        report.add("format-inconnu", detail="attendu un GeoJSON « FeatureCollection »")
        raise FileUnreadable(report)
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name")
    features = [(f.get("properties") or {}, f.get("geometry")) for f in data.get("features") or []]
    return features, crs


def _shapefile(path: Path, report: Report) -> tuple[list, str | None]:
    if path.suffix.lower() != ".zip":
        return _read_shapefile(path, report)
    with tempfile.TemporaryDirectory(prefix="dataetat-shapefile-") as folder:
        shp = _unzip_bounded(path, Path(folder), report)
        return _read_shapefile(shp, report)


def _unzip_bounded(path: Path, folder: Path, report: Report) -> Path:
    """Unpack the shapefile's parts to `folder`, counting the bytes really written (the sizes a zip
    declares can lie): beyond MAX_UNZIPPED_BYTES the file is refused. Returns the .shp."""
    written = 0
    try:
        with zipfile.ZipFile(path) as z:
            declared = sum(i.file_size for i in z.infolist())
            if declared > MAX_UNZIPPED_BYTES:
                _too_big(report, declared)
            for info in z.infolist():
                suffix = Path(info.filename).suffix.lower()
                if info.is_dir() or suffix not in _SHAPEFILE_PARTS:
                    continue
                target = folder / ("qpv" + suffix)
                with z.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            _too_big(report, written)
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        report.add("format-inconnu", detail=f"archive .zip illisible : {e}")
        raise FileUnreadable(report) from e
    return folder / "qpv.shp"


def _too_big(report: Report, size: int) -> None:
    report.add(
        "fichier-trop-gros",
        detail=f"Archive refusée : une fois décompressée elle dépasserait {MAX_UNZIPPED_BYTES // 2**20} Mo "
        f"(au moins {size // 2**20} Mo) ; un shapefile de QPV en fait quelques dizaines.",
    )
    raise FileUnreadable(report)


def _read_shapefile(path: Path, report: Report) -> tuple[list, str | None]:
    import shapefile  # pyshp

    try:
        reader = shapefile.Reader(str(path))
    except Exception as e:  # noqa: BLE001 - pyshp raises its own errors and OSError
        report.add(
            "format-inconnu", detail=f"shapefile illisible : {e} (attendu un .zip avec .shp, .dbf et .prj)"
        )
        raise FileUnreadable(report) from e
    with reader:
        prj = _prj(path, reader)
        names = [f[0] for f in reader.fields[1:]]
        features = [
            (dict(zip(names, rec, strict=False)), shp.__geo_interface__ if shp.shapeType else None)
            for shp, rec in zip(reader.iterShapes(), reader.iterRecords(), strict=True)
        ]
    return features, prj


def _prj(path: Path, reader) -> str | None:
    """The .prj beside the .shp (a .zip was unpacked beside it)."""
    sibling = path.with_suffix(".prj")
    return sibling.read_text("utf-8", errors="replace") if sibling.exists() else None


def _transformer(crs: str | None, report: Report):
    """None when coordinates are already WGS84 longitude/latitude; else a function converting them."""
    if crs is None or any(name in crs.upper() for name in _WGS84_NAMES) and "PROJCS" not in crs.upper():
        return None
    if crs.startswith("GEOGCS") and "PROJCS" not in crs:
        return None
    try:
        from pyproj import CRS, Transformer
    except ImportError as e:
        report.add(
            "projection-invalide",
            detail="Les coordonnées ne sont pas en WGS84 (longitude/latitude) et "
            "pyproj n'est pas installé pour les convertir : fournissez le fichier en WGS84 (EPSG:4326).",
        )
        raise FileUnreadable(report) from e
    try:
        source = CRS.from_user_input(crs)
    except Exception as e:  # noqa: BLE001
        report.add("projection-invalide", detail=f"Système de coordonnées inconnu : « {crs[:80]} ».")
        raise FileUnreadable(report) from e
    return Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True).transform


def _prop(props: dict, key: str) -> str | None:
    folded = {k.lower(): v for k, v in props.items()}
    for name in PROPERTIES[key]:
        value = folded.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


def _row(number: int, props: dict, geometry, transform, report: Report) -> dict | None:
    code = (_prop(props, "code") or "").upper()
    if not code:
        report.add(
            "valeur-manquante",
            ligne=number,
            colonne="code_qp",
            detail="noms acceptés : " + ", ".join(PROPERTIES["code"]),
        )
        return None
    if not re.match(QPV_CODE, code):
        report.add("qpv-invalide", ligne=number, colonne="code_qp", valeur=code)
        return None
    communes = re.split(r"[\s,;|]+", _prop(props, "code_commune") or "")
    communes = [c.zfill(5) for c in communes if c]
    lon = lat = None
    text = None
    if geometry:
        try:
            if transform is not None:
                geometry = {
                    "type": geometry["type"],
                    "coordinates": _convert(geometry["coordinates"], transform),
                }
            xs, ys = _bounds(geometry["coordinates"])
        except (KeyError, TypeError, ValueError, IndexError) as e:
            report.add(
                "geometrie-invalide",
                ligne=number,
                colonne="geometry",
                valeur=code,
                detail=str(e) or "coordonnées illisibles",
            )
            return None
        if not (-180 <= min(xs) <= max(xs) <= 180 and -90 <= min(ys) <= max(ys) <= 90):
            report.add(
                "projection-invalide",
                ligne=number,
                colonne="geometry",
                valeur=code,
                detail=f"Quartier « {code} » : coordonnées hors de WGS84 (longitude/latitude) ; "
                "joignez le .prj du shapefile ou fournissez un fichier en EPSG:4326.",
            )
            return None
        lon, lat = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        text = json.dumps(
            {"type": geometry["type"], "coordinates": geometry["coordinates"]}, separators=(",", ":")
        )
    return {
        "ligne": number,
        "code": code,
        "label": _prop(props, "label"),
        "code_commune": communes[0] if communes else None,
        "communes": " ".join(communes) or None,
        "code_departement": _prop(props, "code_departement"),
        "geometrie": text,
        "longitude": lon,
        "latitude": lat,
    }


def _convert(coords, transform):
    if coords and isinstance(coords[0], (int, float)):
        x, y = transform(coords[0], coords[1])
        return [round(x, 7), round(y, 7)]
    return [_convert(c, transform) for c in coords]


def _bounds(coords) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(float(c[0]))
            ys.append(float(c[1]))
        else:
            for part in c:
                walk(part)

    walk(coords)
    if not xs:
        raise ValueError("géométrie sans coordonnées")
    return xs, ys
