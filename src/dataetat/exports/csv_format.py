"""CSV export for French Excel: `;` separator, UTF-8 with a BOM (so Excel detects the encoding),
amounts with a decimal comma and no thousands separator (1234,5 — what a French Excel reads as a
number), dates as ISO 8601 (2023-01-10, read as a date by Excel in any locale), empty for null.
Texts a spreadsheet would run as formulas are neutralised with a leading `'`.

Streams: an iterator of bytes chunks, a web route can send it as it comes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from dataetat.exports.cells import neutralise

CHUNK_ROWS = 1_000


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return format(value, "f").replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(value))


def write_csv(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The CSV file, chunk by chunk (about CHUNK_ROWS lines per chunk); the first chunk starts with the BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    first, count = True, 0
    for row in rows:
        writer.writerow([_text(v) for v in row])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield ("\ufeff" if first else "").encode() + buffer.getvalue().encode("utf-8")
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield ("\ufeff" if first else "").encode() + buffer.getvalue().encode("utf-8")
