"""Write the trimmed COG 2026 files of tests/data/cog/2026/ (communes, mouvements, epcicom) from the
full ones: the rows of a few départements only, enough for the tests, small enough for the repository.

    python scripts/trim_test_cog.py --data /path/to/data    # the folder holding cog/2026/
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import openpyxl

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "cog" / "2026"
# Calvados and Manche (Pont-Farcy), Bretagne, Gard (Nîmes), Loire-Atlantique and Maine-et-Loire
# (Freigné, Vallons-de-l'Erdre), Paris (municipal arrondissements).
DEPARTEMENTS = ("14", "22", "29", "30", "35", "44", "49", "50", "56", "75")


def _kept(code: str) -> bool:
    return code[:2] in DEPARTEMENTS


def _trim_csv(source: Path, target: Path, keep) -> int:
    lines = source.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines[1:] if keep(next(csv.reader([line])))]
    target.write_text(lines[0] + "".join(kept), "utf-8")
    return len(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder holding cog/2026/")
    cog = parser.parse_args().data / "cog" / "2026"
    OUT.mkdir(parents=True, exist_ok=True)
    # COM and ARM rows by their DEP; COMD and COMA (no DEP) by their code.
    communes = _trim_csv(cog / "communes.csv", OUT / "communes.csv", lambda row: _kept(row[1]))
    mouvements = _trim_csv(
        cog / "mouvements-communes.csv",
        OUT / "mouvements-communes.csv",
        lambda row: _kept(row[3]) and _kept(row[9]),  # COM_AV and COM_AP: no chain leaves the set
    )
    source = openpyxl.load_workbook(cog / "epcicom.xlsx", read_only=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = source.sheetnames[0]
    epci = 0
    for i, row in enumerate(source[source.sheetnames[0]].iter_rows(values_only=True)):
        if i == 0 or row[0] in DEPARTEMENTS:  # header, then the column `dept`
            sheet.append(row)
            epci += i > 0
    workbook.save(OUT / "epcicom.xlsx")
    print(f"communes {communes}, mouvements {mouvements}, epcicom {epci} lignes → {OUT}")


if __name__ == "__main__":
    main()
