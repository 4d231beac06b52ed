"""ODS export (OpenDocument spreadsheet), written as a stream with the standard library.

An ODS file is a zip holding `mimetype` (first, uncompressed), `META-INF/manifest.xml` and
`content.xml`; the table rows are written into `content.xml` one by one, so memory stays flat
whatever the number of lines (odfpy would build the whole document in memory first).
Amounts and counts are float cells, dates are date cells, texts that a spreadsheet would run as
formulas get a leading `'`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from dataetat.exports.cells import neutralise

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
SHEET_TITLE = "Lignes"

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""

CONTENT_START = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="{SHEET_TITLE}">
"""
CONTENT_END = "</table:table></office:spreadsheet></office:body></office:document-content>\n"

# Characters XML 1.0 cannot hold (control characters other than tab, newline, carriage return).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float | Decimal):
        return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
    if isinstance(value, date):
        return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"/>'
    text = _INVALID_XML.sub("", str(neutralise(value)))
    return (
        f'<table:table-cell office:value-type="string" office:string-value={quoteattr(text)}>'
        f"<text:p>{escape(text)}</text:p></table:table-cell>"
    )


def _row(values: Iterable) -> bytes:
    return ("<table:table-row>" + "".join(_cell(v) for v in values) + "</table:table-row>\n").encode()


def write_ods(header: list[str], rows: Iterable[list], target: str | Path | IO[bytes]) -> None:
    """Write the spreadsheet to a path or a binary file (which need not be seekable)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(CONTENT_START.encode())
            content.write(_row(header))
            for row in rows:
                content.write(_row(row))
            content.write(CONTENT_END.encode())
