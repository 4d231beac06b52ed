"""Stream the data rows of a detected Chorus file as Arrow batches of raw text.

Each batch has one string column per canonical name and `ligne`, the 1-based line number in the
file. Two paths give the same batches:
- fast: Arrow's C++ CSV reader (regional and daily files), for well-formed files;
- exact: a Python line reader with bounded lines, used for the AIFE quoting and whenever the fast
  path meets a malformed row, so that every structural problem is reported with its exact line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dataetat.ingest.detect import MAX_LINE_BYTES, Detected, split_aife
from dataetat.ingest.problems import Report

BATCH_ROWS = 100_000


class NeedsExactPass(Exception):
    """The fast reader met something it cannot locate precisely; read again with the exact path."""


def iter_batches(path: Path, det: Detected, report: Report, exact: bool = False) -> Iterator[pa.RecordBatch]:
    if det.format == "aife" or exact:
        yield from _exact(path, det, report)
    else:
        yield from _fast(path, det)


def _fast(path: Path, det: Detected) -> Iterator[pa.RecordBatch]:
    names = list(det.names)
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    reader_names = [f"{n}__{i}" for i, n in enumerate(names)]  # names may repeat (programme_doublon)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=det.header_line, column_names=reader_names, block_size=8 << 20
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=det.delimiter,
                quote_char='"' if det.format == "regional" else False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in reader_names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        first = det.header_line + 1
        rows = 0
        for batch in reader:
            if invalid or _longest_row(batch) > MAX_LINE_BYTES:
                raise NeedsExactPass()
            lines = pa.array(range(first, first + batch.num_rows), pa.int64())
            first += batch.num_rows
            rows += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, lines], names=[*names, "ligne"])
    except (pa.ArrowInvalid, UnicodeDecodeError) as e:
        raise NeedsExactPass() from e
    if invalid:
        raise NeedsExactPass()
    lines, quotes = count_lines(path)
    if rows != lines - det.header_line or (det.format == "regional" and quotes % 2):
        # Arrow skipped blank lines, or split lines elsewhere than on `\n` (a lone `\r`, a newline
        # inside quotes): its row numbers would be wrong. Arrow also accepts a quoted field left
        # open at the end of a file (a truncated file). The exact reader reports each line.
        raise NeedsExactPass()


def _longest_row(batch: pa.RecordBatch) -> int:
    """Bytes of the longest row of the batch (its cells together): a line over the limit is
    reported by the exact reader, with its number."""
    if batch.num_rows == 0:
        return 0
    total = pc.binary_length(batch.column(0))
    for column in batch.columns[1:]:
        total = pc.add(total, pc.binary_length(column))
    return pc.max(total).as_py() or 0


def count_lines(path: Path) -> tuple[int, int]:
    """(physical lines, `"` characters) of the file: only `\\n` ends a line, a last line without
    one counts."""
    lines = quotes = 0
    last = b"\n"
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(16 << 20), b""):
            lines += chunk.count(b"\n")
            quotes += chunk.count(b'"')
            last = chunk[-1:]
    return lines + (last != b"\n"), quotes


def _splitter(det: Detected) -> Callable[[str], list[str]]:
    if det.format == "aife":
        return split_aife
    if det.format == "pipe":
        return lambda line: line.rstrip("\r\n").split("|")

    def split_csv(line: str) -> list[str]:
        return next(csv.reader([line], strict=True), [])

    return split_csv


def _exact(path: Path, det: Detected, report: Report) -> Iterator[pa.RecordBatch]:
    names = list(det.names)
    width = len(names)
    split = _splitter(det)
    columns: list[list[str]] = [[] for _ in names]
    lines: list[int] = []
    with path.open("rb") as f:
        for _ in range(det.header_line):
            f.readline(MAX_LINE_BYTES + 1)
        number = det.header_line
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                report.add("ligne-trop-longue", ligne=number, detail="plus de 1 Mo sans fin de ligne")
                return  # the rest of the file cannot be trusted
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                byte = raw[e.start : e.start + 1].hex()
                report.add("encodage-invalide", ligne=number, detail=f"octet 0x{byte} en ligne {number}")
                continue
            if not text.strip():
                continue
            try:
                cells = split(text)
            except csv.Error:
                report.add("fichier-tronque", ligne=number, valeur=text, detail=f"ligne {number}")
                continue
            if len(cells) != width:
                report.add(
                    "nombre-colonnes",
                    ligne=number,
                    valeur=text,
                    detail=f"{len(cells)} colonnes au lieu de {width}",
                )
                continue
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            lines.append(number)
            if len(lines) >= BATCH_ROWS:
                yield _batch(names, columns, lines)
                columns, lines = [[] for _ in names], []
    if lines:
        yield _batch(names, columns, lines)
    _check_all_lines_seen(path, det, number, report)


def _check_all_lines_seen(path: Path, det: Detected, last: int, report: Report) -> None:
    """Guard: every physical line after the header was a row, a reported problem or blank.
    A row must never disappear without an error naming it."""
    physical, _ = count_lines(path)
    if last != physical:
        report.add(
            "lignes-non-lues",
            ligne=last + 1,
            detail=f"le fichier a {physical - det.header_line} lignes après l'en-tête, "
            f"{last - det.header_line} ont été lues",
        )


def _batch(names: list[str], columns: list[list[str]], lines: list[int]) -> pa.RecordBatch:
    arrays = [pa.array(c, pa.string()) for c in columns] + [pa.array(lines, pa.int64())]
    return pa.RecordBatch.from_arrays(arrays, names=[*names, "ligne"])
