"""Exports of a search (STYLE rule 7): every format re-opened with a real reader, totals equal to the
search's, formula injection neutralised, region scope, keyset paging across pages; DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import time
import tracemalloc
from datetime import date
from decimal import Decimal

import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from tests.conftest import imported_database
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat import exports
from dataetat.query.columns import BY_CODE, COLONNES
from dataetat.query.params import QueryError, SearchParams
from dataetat.query.search import search
from dataetat.store.chorus_import import ImportOptions, import_chorus

INJECTION = '=HYPERLINK("x")'
COLUMNS = ["n_ej", "beneficiaire_denomination", "montant_ae", "montant_cp", "annee", "date_dernier_paiement"]
LABELS = [
    "N° EJ",
    "Bénéficiaire",
    "Montant engagé (AE)",
    "Montant payé (CP)",
    "Année",
    "Date du dernier paiement",
]
N_53 = 25  # lines of région 53: 22 AE, the injected one, the negative one, an orphan CP (see build_dataset)


def _import(engine, paths, region):
    result = import_chorus(engine, paths, ImportOptions(region=region))
    assert result.written, [p.describe() for r in result.reports for p in r.errors]


def build_dataset(engine, tmp):
    injected = ae_row("3001", 1, "12.5", siret="40123456700011").replace(
        "ATLAS SOUTENIR LES COMPETENCES", '"=HYPERLINK(""x"")"'
    )
    ae = [ae_row(f"1{i:03d}", 1, f"{100 + i}.25") for i in range(22)]
    ae += [injected, ae_row("3002", 1, "-150.75")]
    _import(
        engine,
        [
            write_ae(tmp / "ae53.csv", ae),
            write_cp(
                tmp / "cp53.csv", [cp_row("1000", 1, "9000001", "30.10"), cp_row("9999", 1, "9000002", "-7")]
            ),
        ],
        "53",
    )
    _import(engine, [write_ae(tmp / "ae52.csv", [ae_row("5201", 1, "1000", loc="N5244109")])], "52")


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def db(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"exports-{request.param}")
    with imported_database(request.param, tmp, build_dataset) as engine:
        yield engine


def read_csv(path) -> list[list]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def _csv_amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def exported(engine, fmt, path, region=None, columns=COLUMNS, page_size=exports.PAGE_SIZE, **kw):
    """(header, lines with amounts as Decimal) of an export re-read with the format's own reader."""
    with engine.connect() as conn:
        exports.export(conn, fmt, path, SearchParams(**kw), region, columns, page_size=page_size)
    if fmt == "csv":
        head, *lines = read_csv(path)
        return head, [[_csv_amount(v) if i in (2, 3) else v for i, v in enumerate(r)] for r in lines]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        head, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    elif fmt == "ods":
        head, *lines = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    else:
        table = pq.read_table(path)
        head, lines = table.column_names, [list(r.values()) for r in table.to_pylist()]
    for line in lines:
        assert all(isinstance(line[i], int | float | Decimal) for i in (2, 3)), line
        line[2], line[3] = Decimal(str(line[2])), Decimal(str(line[3]))
    return head, lines


def totals(engine, region=None, **kw):
    with engine.connect() as conn:
        return search(conn, SearchParams(**kw), region=region).total


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "parquet"])
@pytest.mark.parametrize("page_size", [exports.PAGE_SIZE, 7])
def test_export_matches_search(db, tmp_path, fmt, page_size):
    head, lines = exported(db, fmt, tmp_path / f"lignes.{fmt}", region="53", page_size=page_size)
    total = totals(db, region="53")
    assert head == LABELS
    assert len(lines) == total.count == N_53
    assert len({line[0] for line in lines}) == N_53  # no line repeated or skipped across pages
    assert float(sum(line[2] for line in lines)) == pytest.approx(total.montant_ae)
    assert float(sum(line[3] for line in lines)) == pytest.approx(total.montant_cp)
    names = [line[1] for line in lines]
    if fmt == "parquet":  # read by programs: kept as is
        assert INJECTION in names
    else:
        assert "'" + INJECTION in names and INJECTION not in names
    negative = next(line for line in lines if line[0] == "3002")
    assert negative[2] == Decimal("-150.75")
    assert "5201" not in {line[0] for line in lines}  # région 52 outside a région-53 export


def test_two_exports_on_one_connection_keep_every_line(db, tmp_path):
    """A cell-by-cell export then a CSV on the same connection: the first once set streaming on the
    connection itself, and DuckDB's CSV then lost its first line."""
    with db.connect() as conn:
        for fmt in ("xlsx", "csv", "parquet"):
            exports.export(conn, fmt, tmp_path / f"l.{fmt}", SearchParams(), "53", None, page_size=7)
    head, *lines = read_csv(tmp_path / "l.csv")
    assert len(lines) == len(pq.read_table(tmp_path / "l.parquet")) == N_53


def test_typed_cells(db, tmp_path):
    """Dates are dates, amounts numbers, nulls empty, in the typed formats."""
    cols = ["n_ej", "montant_ae", "date_dernier_paiement", "annee"]
    with db.connect() as conn:
        exports.export(conn, "xlsx", tmp_path / "t.xlsx", SearchParams(n_ej=["1000", "1001"]), None, cols)
        exports.export(
            conn, "parquet", tmp_path / "t.parquet", SearchParams(n_ej=["1000", "1001"]), None, cols
        )
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True).worksheets[0]
    by_ej = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_ej["1000"][1] == pytest.approx(100.25) and by_ej["1000"][2].date() == date(2023, 1, 25)
    assert by_ej["1001"][2] is None and by_ej["1001"][3] == 2023
    table = pq.read_table(tmp_path / "t.parquet")
    assert [str(f.type) for f in table.schema] == ["string", "decimal128(18, 2)", "date32[day]", "int64"]
    rows = {r["N° EJ"]: r for r in table.to_pylist()}
    assert rows["1000"]["Montant engagé (AE)"] == Decimal("100.25")
    assert rows["1000"]["Date du dernier paiement"] == date(2023, 1, 25)


def test_all_columns_by_default_and_filters(db, tmp_path):
    with db.connect() as conn:
        exports.export(conn, "csv", tmp_path / "all.csv", SearchParams(annee=[2023]))
        exports.export(
            conn, "csv", tmp_path / "p.csv", SearchParams(n_ej=["1005"]), "53", ["montant_ae", "n_ej"]
        )
        with pytest.raises(QueryError):
            list(exports.rows(conn, SearchParams(), None, ["pas_une_colonne"]))
    head, *lines = read_csv(tmp_path / "all.csv")
    assert len(lines) == N_53 + 1
    # every column of the registry, each code followed by its label
    assert [h.removesuffix(" (code)") for h in head if not h.endswith(" (libellé)")] == [
        c.label for c in COLONNES
    ]
    coded = [c.label for c in COLONNES if c.label_column and c.label_column not in BY_CODE]
    assert len(coded) >= 15 and len(head) == len(COLONNES) + len(coded)
    for label in coded:
        assert head[head.index(f"{label} (code)") + 1] == f"{label} (libellé)"
    assert read_csv(tmp_path / "p.csv") == [["Montant engagé (AE)", "N° EJ"], ["105,25", "1005"]]


def test_neutralise_keeps_numbers():
    assert [exports.neutralise(v) for v in ["=1", "+1", "-1", "@a", "\tx", "\rx", "ok"]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "ok",
    ]
    assert exports.neutralise(Decimal("-3.5")) == Decimal("-3.5") and exports.neutralise(-2) == -2


def test_csv_streams_in_flat_memory():
    """200,000 generated lines through the CSV writer: chunks come as they are written, memory stays flat."""
    row = ["1001", "COMMUNE DE RENNES", Decimal("-1234.50"), Decimal("0.00"), 2023, date(2023, 1, 10)]
    start = time.monotonic()
    tracemalloc.start()
    try:
        size = boms = chunks = 0
        page = pl.DataFrame([row] * 1000, schema=LABELS, orient="row", infer_schema_length=None)
        for chunk in exports.write_csv(LABELS, (page for _ in range(200))):
            size, chunks, boms = size + len(chunk), chunks + 1, boms + chunk.startswith(b"\xef\xbb\xbf")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 200_000 * 40 and chunks > 100 and boms == 1
    assert peak < 2_000_000, peak
    assert time.monotonic() - start < 10


# --- Code and label (issue 11 item 3) -------------------------------------------------------------

CODED = ["n_ej", "programme_code", "localisation_commune_code", "montant_ae"]
CODED_HEADER = [
    "N° EJ",
    "Programme (code)",
    "Programme (libellé)",
    "Commune de la localisation (code)",
    "Commune de la localisation (libellé)",
    "Montant engagé (AE)",
]
PROGRAMME_103 = "Accompagnement des mutations économiques et développement de l'emploi"  # bundled referential


def reread(fmt: str, path) -> tuple[list, list[list]]:
    """(header, lines) of a file, read back with the format's own reader, values as the reader gives them."""
    if fmt == "csv":
        head, *lines = read_csv(path)
    elif fmt == "xlsx":
        head, *lines = [
            list(r)
            for r in openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)
        ]
    elif fmt == "ods":
        head, *lines = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    else:
        table = pq.read_table(path)
        head, lines = table.column_names, [list(r.values()) for r in table.to_pylist()]
    return list(head), lines


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "parquet"])
def test_coded_columns_are_exported_as_code_and_label(db, tmp_path, fmt):
    with db.connect() as conn:
        exports.export(conn, fmt, tmp_path / f"l.{fmt}", SearchParams(n_ej=["1005"]), "53", CODED)
    head, lines = reread(fmt, tmp_path / f"l.{fmt}")
    assert head == CODED_HEADER
    assert [line[:5] for line in lines] == [["1005", "103", PROGRAMME_103, "35238", "Rennes"]]
    if fmt == "parquet":  # codes stay texts, machine-friendly (« 0103 » keeps its zero)
        assert [str(f.type) for f in pq.read_table(tmp_path / f"l.{fmt}").schema][:5] == ["string"] * 5


def test_siret_brings_the_beneficiary_once(db, tmp_path):
    """The label of the SIRET is a column of its own (« Bénéficiaire »): added once, never twice."""
    assert exports.header(["beneficiaire_code"]) == ["SIRET", "Bénéficiaire"]
    assert exports.header(["beneficiaire_denomination", "beneficiaire_code"]) == ["Bénéficiaire", "SIRET"]
    with db.connect() as conn:
        exports.export(
            conn, "csv", tmp_path / "s.csv", SearchParams(n_ej=["3001"]), "53", ["beneficiaire_code"]
        )
    assert read_csv(tmp_path / "s.csv") == [["SIRET", "Bénéficiaire"], ["40123456700011", "'" + INJECTION]]
