"""The marchés a non-strict DECP upload left out, as the job's report keeps them: one row per error
of a rejected marché (record index — or file line for a consolidated file —, marché id, field, code,
French message), read from the report `dataetat import decp --rejets` writes; and the CSV of them.

    rows, rejected = rows_of(rejets_path)   # rows capped at MAX_ROWS; rejected: marchés left out
    csv_text(rows)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

MAX_ROWS = 2_000  # rows kept in the job's result (the counts cover the whole file)
COLUMNS = ("index", "id", "champ", "code", "message")  # the header of /valider's CSV


def rows_of(path: Path) -> tuple[list[dict], int, int]:
    """(rows, marchés rejected, rows not kept) of the first file of the rejects report."""
    content = json.loads(path.read_text("utf-8"))
    if not content:
        return [], 0, 0
    entry = content[0]
    errors: dict[int | None, list[dict]] = {}
    for p in entry["rapport"]["problemes"]:
        if p["niveau"] == "erreur":
            errors.setdefault(p["ligne"], []).append(p)
    rows = []
    for marche in entry["marches_rejetes"]:
        found = [p for ligne in marche["lignes"] for p in errors.get(ligne, [])]
        if not found:  # its errors were beyond the ones the report details
            found = [{"ligne": (marche["lignes"] or [None])[0], "colonne": None, "code": "", "message": ""}]
        rows.extend(
            {
                "index": p["ligne"],
                "id": marche["uid"] or "",
                "champ": p["colonne"] or "",
                "code": p["code"],
                "message": p["message"],
            }
            for p in found
        )
    return rows[:MAX_ROWS], len(entry["marches_rejetes"]), max(0, len(rows) - MAX_ROWS)


def csv_text(rows: list[dict]) -> str:
    """The rows as CSV, like /valider's: « ; » and a BOM, so that it opens as columns in French
    spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[k] is None else row[k] for k in COLUMNS])
    return "\ufeff" + out.getvalue()
