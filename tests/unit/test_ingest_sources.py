"""Golden tests of the readers of the other sources: each sample file is valid, and each bad
variant (missing column, unexpected column, empty required cell, wrong type) gives exactly the
problems [(line, column, code), …]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapefile
from tests.conftest import TEST_DATA

from dataetat.ingest.ademe import read_ademe
from dataetat.ingest.dispositifs import read_dispositif, read_tags
from dataetat.ingest.france2030 import read_france2030
from dataetat.ingest.qpv_csv import read_lieu_action, read_siret_qpv
from dataetat.ingest.qpv_geo import read_qpv

SOURCES = TEST_DATA / "sources"
REGIONS = {"pays de la loire": "52", "occitanie": "76"}


def variant(tmp_path: Path, name: str, edit, encoding="utf-8-sig") -> Path:
    """A copy of a sample whose lines (header first) went through `edit(lines) -> lines`."""
    lines = (SOURCES / name).read_text("utf-8-sig").splitlines()
    path = tmp_path / name
    path.write_text("\n".join(edit(lines)) + "\n", encoding=encoding)
    return path


def cell(lines, row, col, value, sep=","):
    """Replace the cell `col` (0-based) of line `row` (0 = header); the sample's cells hold no `sep`."""
    parts = lines[row].split(sep)
    parts[col] = value
    lines[row] = sep.join(parts)
    return lines


def drop_column(lines, col, sep=","):
    return [sep.join(p for i, p in enumerate(line.split(sep)) if i != col) for line in lines]


def add_column(lines, sep=","):
    return [lines[0] + sep + "inconnue"] + [line + sep + "x" for line in lines[1:]]


# --- ADEME --------------------------------------------------------------------------------


def test_ademe_sample_is_valid():
    source = read_ademe(SOURCES / "ademe.csv")
    assert source.report.triples() == []
    assert source.annees == [2021]
    row = source.frame.row(0, named=True)
    assert (row["reference"], row["siret"], row["operateur"], str(row["montant"])) == (
        "21BRD0090",
        "82815371800014",
        "ADEME",
        "5000.00",
    )
    assert json.loads(row["attributs"])["datesPeriodeVersement"] == "2021-05-11_2023-01-05"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ls: drop_column(ls, 11), [(1, "idRAE", "colonne-manquante")]),
        (add_column, [(1, None, "colonne-inattendue")]),
        (lambda ls: cell(ls, 2, 6, ""), [(3, "objet", "valeur-manquante")]),
        (lambda ls: cell(ls, 1, 7, "5 000 euros"), [(2, "montant", "montant-invalide")]),
        (lambda ls: cell(ls, 1, 2, "05/05/2021"), [(2, "dateConvention", "date-invalide-format")]),
        (lambda ls: cell(ls, 3, 12, "PEUT-ETRE"), [(4, "notificationUE", "valeur-invalide")]),
        (lambda ls: cell(ls, 1, 1, "385"), [(2, "idAttribuant", "valeur-invalide")]),
        (lambda ls: cell(ls, 1, 8, "chèque"), [(2, "nature", "valeur-invalide")]),
    ],
)
def test_ademe_bad_variants(tmp_path, edit, expected):
    source = read_ademe(variant(tmp_path, "ademe.csv", edit))
    assert source.report.triples() == expected
    assert source.frame is None


def test_ademe_bad_beneficiary_siret_is_a_warning(tmp_path):
    source = read_ademe(variant(tmp_path, "ademe.csv", lambda ls: cell(ls, 1, 5, "8281537")))
    assert source.report.triples() == [(2, "idBeneficiaire", "siret-invalide")]
    assert source.valid and source.frame["siret"].to_list()[0] is None


# --- France 2030 --------------------------------------------------------------------------


def test_france2030_sample_is_valid():
    source = read_france2030(SOURCES / "france_2030.csv", REGIONS)
    assert source.report.triples() == []
    rows = source.frame.to_dicts()
    assert [(r["code_region"], r["code_departement"], str(r["montant"])) for r in rows] == [
        ("52", "44", "418492.00"),
        ("76", "30", "3489768.00"),
    ]
    assert json.loads(rows[1]["attributs"])["montant_avance_remboursable"] == "3489768.0"


def _f2030(lines, col, value, row=1):
    import csv
    import io

    cells = next(csv.reader([lines[row]]))
    cells[col] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[row] = out.getvalue()
    return lines


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda ls: [ls[0].replace(",nomenclature,", ",")] + ls[1:],
            [(1, "nomenclature", "colonne-manquante")],
        ),
        (lambda ls: [ls[0] + ",x"] + [line + ",1" for line in ls[1:]], [(1, None, "colonne-inattendue")]),
        (lambda ls: _f2030(ls, 0, ""), [(2, "date_dpm", "valeur-manquante")]),
        (lambda ls: _f2030(ls, 15, "418492,5"), [(2, "montant_aide", "montant-invalide")]),
        (lambda ls: _f2030(ls, 7, "Atlantide"), [(2, "regions", "region-inconnue")]),
        (
            lambda ls: _f2030(_f2030(_f2030(ls, 13, "NaN"), 14, "NaN"), 15, "NaN"),
            [(2, "montant_aide", "valeur-manquante")],
        ),
    ],
)
def test_france2030_bad_variants(tmp_path, edit, expected):
    source = read_france2030(variant(tmp_path, "france_2030.csv", edit, "utf-8"), REGIONS)
    assert source.report.triples() == expected


def test_france2030_amount_from_subvention_and_avance(tmp_path):
    path = variant(tmp_path, "france_2030.csv", lambda ls: _f2030(_f2030(ls, 15, "NaN"), 14, "10.5"), "utf-8")
    source = read_france2030(path, REGIONS)
    assert str(source.frame["montant"][0]) == "418502.50"


# --- QPV lieu d'action --------------------------------------------------------------------


def test_lieu_action_sample_is_valid():
    source = read_lieu_action(SOURCES / "qpv_lieu_action.csv")
    assert source.report.triples() == [] and source.annees == [2025]
    assert source.frame.select("code_qpv", "code_qpv15", "code_qpv24").row(0) == (
        "QN04404M",
        None,
        "QN04404M",
    )


def test_lieu_action_2015_code_and_nr(tmp_path):
    path = variant(tmp_path, "qpv_lieu_action.csv", lambda ls: cell(cell(ls, 1, 4, "NR"), 1, 3, "QP044017"))
    source = read_lieu_action(path)
    assert source.frame.select("code_qpv", "code_qpv15", "code_qpv24").row(0) == (
        "QP044017",
        "QP044017",
        None,
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ls: drop_column(ls, 2), [(1, "ej", "colonne-manquante")]),
        (add_column, [(1, None, "colonne-inattendue")]),
        (lambda ls: cell(ls, 1, 2, "n/a"), [(2, "ej", "valeur-manquante")]),
        (lambda ls: cell(cell(ls, 2, 3, "nr"), 2, 4, "(vide)"), [(3, "code_qpv", "valeur-manquante")]),
        (lambda ls: cell(ls, 3, 5, "mille"), [(4, "montant_ventillé", "montant-invalide")]),
        (lambda ls: cell(ls, 1, 0, "25"), [(2, "annee_exercice", "annee-hors-limites")]),
        (lambda ls: cell(ls, 1, 0, "deux mille"), [(2, "annee_exercice", "entier-invalide")]),
        (lambda ls: cell(ls, 1, 4, "XX123"), [(2, "code_qpv24", "qpv-invalide")]),
        (lambda ls: ls + [ls[1]], [(5, "année / EJ / QPV / libellé", "ligne-en-double")]),
    ],
)
def test_lieu_action_bad_variants(tmp_path, edit, expected):
    assert read_lieu_action(variant(tmp_path, "qpv_lieu_action.csv", edit)).report.triples() == expected


# --- PVD / ACV ----------------------------------------------------------------------------


def test_pvd_and_acv_samples_are_valid():
    pvd, acv = read_dispositif(SOURCES / "pvd.csv", "pvd"), read_dispositif(SOURCES / "acv.csv", "acv")
    assert pvd.report.triples() == acv.report.triples() == []
    assert pvd.frame.height == 6 and acv.frame.height == 5
    assert pvd.frame.row(1, named=True)["date_signature"] is None  # empty date allowed
    assert str(acv.frame.row(0, named=True)["date_signature"]) == "2018-09-14"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ls: drop_column(ls, 2), [(1, "id_pvd", "colonne-manquante")]),
        (add_column, [(1, None, "colonne-inattendue")]),
        (lambda ls: cell(ls, 1, 0, '""'), [(2, "insee_com", "valeur-manquante")]),
        (lambda ls: cell(ls, 1, 3, "2021-03-12"), [(2, "date_signature", "date-invalide-format")]),
        (lambda ls: ls + [ls[1]], [(8, "insee_com", "ligne-en-double")]),
    ],
)
def test_pvd_bad_variants(tmp_path, edit, expected):
    assert read_dispositif(variant(tmp_path, "pvd.csv", edit), "pvd").report.triples() == expected


# --- SIRET → QPV, tags --------------------------------------------------------------------


def test_siret_qpv_sample():
    source = read_siret_qpv(SOURCES / "siret_qpv.csv")
    assert source.report.triples() == [(5, "siret", "siret-ligne-ignoree")]
    assert source.frame.rows() == [
        ("83831012600027", "QP044017", "QN04404M"),
        ("82440366100013", None, "QN04404M"),
    ]


def test_siret_qpv_bad_code(tmp_path):
    path = variant(tmp_path, "siret_qpv.csv", lambda ls: cell(ls, 1, 1, "ZZ1", ";"))
    assert read_siret_qpv(path).report.triples() == [
        (2, "plg_qp15", "qpv-invalide"),
        (5, "siret", "siret-ligne-ignoree"),
    ]


def test_tags_sample_and_bad_variants(tmp_path):
    source = read_tags(SOURCES / "tags.csv")
    assert source.report.triples() == []
    assert source.frame.rows() == [
        ("2104697991", 1, "fonds-vert cper:2021-27"),
        ("2104703508", 1, "reconcilie-ds"),
        ("2104698000", 1, ""),
    ]
    bad = variant(
        tmp_path, "tags.csv", lambda ls: ["n_ej,poste_ej,tags", "1,x,Fonds-Vert", "2,1,a b:c:d", "3,,"]
    )
    assert read_tags(bad).report.triples() == [
        (4, "n_poste_ej", "valeur-manquante"),
        (2, "n_poste_ej", "entier-invalide"),
        (2, "tags", "tag-invalide"),
        (3, "tags", "tag-invalide"),
    ]
    missing = variant(tmp_path, "tags.csv", lambda ls: drop_column(ls, 2))
    assert read_tags(missing).report.triples() == [(1, "tags", "colonne-manquante")]


# --- QPV contours -------------------------------------------------------------------------


def test_qpv_geojson_sample():
    source = read_qpv(SOURCES / "qp2015-occitanie.geojson")
    assert source.report.triples() == [] and source.extra["decoupage"] == 2015
    row = source.frame.filter(source.frame["code"] == "QP066007").row(0, named=True)
    assert (row["label"], row["code_commune"]) == ("Bas-Vernet Nouveau QPV", "66136")
    assert 2.8 < row["longitude"] < 3.0 and 42.6 < row["latitude"] < 42.8
    assert json.loads(row["geometrie"])["type"] in ("Polygon", "MultiPolygon")


def test_qpv_geojson_bad(tmp_path):
    data = json.loads((SOURCES / "qp2015-occitanie.geojson").read_text("utf-8"))
    data["features"] = data["features"][:3]
    data["features"][1]["properties"].pop("code_qp")
    data["features"][2]["properties"]["code_qp"] = "QN03101A"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data), "utf-8")
    assert read_qpv(path).report.triples() == [
        (2, "code_qp", "valeur-manquante"),
        (None, "code", "valeur-invalide"),
    ]
    assert read_qpv(path, 2015).report.triples() == [
        (2, "code_qp", "valeur-manquante"),
        (3, "code", "qpv-invalide"),
    ]


def _shapefile(folder: Path, lambert: bool) -> Path:
    """A two-quartier 2024 shapefile (WGS84, or Lambert 93 with its .prj)."""
    from pyproj import CRS, Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True).transform
    writer = shapefile.Writer(str(folder / "qp2024"), shapeType=shapefile.POLYGON)
    for name in ("code_qp", "lib_qp", "insee_com", "lib_com"):
        writer.field(name, "C", 60)
    for code, x in (("QN03101A", 1.44), ("QN03102B", 1.46)):
        ring = [(x, 43.60), (x, 43.61), (x + 0.01, 43.61), (x + 0.01, 43.60), (x, 43.60)]  # clockwise
        writer.poly([[to_l93(*p) for p in ring] if lambert else ring])
        writer.record(code, f"Quartier {code}", "31555", "Toulouse")
    writer.close()
    crs = CRS.from_epsg(2154 if lambert else 4326)
    (folder / "qp2024.prj").write_text(crs.to_wkt("WKT1_ESRI"), "utf-8")
    return folder / "qp2024.shp"


@pytest.mark.parametrize("lambert", [False, True])
def test_qpv_shapefile(tmp_path, lambert):
    source = read_qpv(_shapefile(tmp_path, lambert))
    assert source.report.triples() == [] and source.extra["decoupage"] == 2024
    first = source.frame.row(0, named=True)
    assert first["code"] == "QN03101A" and first["code_commune"] == "31555"
    assert abs(first["longitude"] - 1.445) < 1e-4 and abs(first["latitude"] - 43.605) < 1e-4


def test_qpv_shapefile_zip_and_missing_prj(tmp_path):
    import zipfile

    shp = _shapefile(tmp_path, lambert=True)
    archive = tmp_path / "qp2024.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(shp.with_suffix(f".{ext}"), f"qp2024.{ext}")
    assert read_qpv(archive).report.triples() == []
    shp.with_suffix(".prj").unlink()  # Lambert 93 coordinates without their .prj: refused
    assert read_qpv(shp).report.triples() == [
        (1, "geometry", "projection-invalide"),
        (2, "geometry", "projection-invalide"),
    ]
