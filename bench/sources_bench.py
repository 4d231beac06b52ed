"""Benchmark of the other sources' imports on DuckDB: a ~1,000,000-line file per CSV format, built by
repeating the sample lines with distinct keys (SIRET, EJ, reference, commune), imported into a fresh
temporary database (`dataetat db init` equivalent).

    .venv/bin/python bench/sources_bench.py [--lignes 1000000] [--sources ademe,france2030,…]

Prints: source, lines, seconds (reading, checking and writing, one transaction each).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.engine import make_engine
from dataetat.store.sources_import import import_source

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "sources"


def _rows(name: str, delimiter: str = ","):
    with open(SAMPLES / name, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    return rows[0], rows[1:]


def _write(path: Path, header, make, n: int, delimiter: str = ",", bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        for i in range(n):
            writer.writerow(make(i))
    return path


def _siret(i: int) -> str:
    return f"{10_000_000_000_000 + i:014d}"


def build(folder: Path, kind: str, n: int) -> Path:
    if kind == "ademe":
        header, rows = _rows("ademe.csv")

        def make(i):
            r = list(rows[i % len(rows)])
            r[2] = f"{2018 + i % 6}-0{1 + i % 9}-1{i % 9}"
            r[3], r[5] = f"REF{i:08d}", _siret(i)
            return r

        return _write(folder / "ademe.csv", header, make, n, bom=True)
    if kind == "france2030":
        header, rows = _rows("france_2030.csv")

        def make(i):
            r = list(rows[i % len(rows)])
            r[0], r[3], r[5] = f"{2021 + i % 4}-04-16", f"PROJET {i}", _siret(i)
            return r

        return _write(folder / "france_2030.csv", header, make, n)
    if kind == "qpv-lieu-action":
        header, rows = _rows("qpv_lieu_action.csv")

        def make(i):
            r = list(rows[i % len(rows)])
            r[0], r[2], r[6] = str(2020 + i % 6), f"{2_100_000_000 + i}", f"Action {i}"
            return r

        return _write(folder / "qpv_lieu_action.csv", header, make, n, bom=True)
    if kind == "siret-qpv":
        return _write(
            folder / "siret_qpv.csv",
            ["siret", "plg_qp15", "plg_qp24"],
            lambda i: [_siret(i), f"QP{i % 1000:06d}", "HZ" if i % 3 else f"QN{i % 1000:05d}A"],
            n,
            delimiter=";",
        )
    if kind == "tags":
        return _write(
            folder / "tags.csv",
            ["n_ej", "n_poste_ej", "tags"],
            lambda i: [
                f"{1_300_000_000 + i}",
                str(1 + i % 3),
                "fonds-vert|cper:2021-27" if i % 2 else "detr",
            ],
            n,
        )
    header, rows = _rows("pvd.csv")  # pvd: at most one line per commune (≈100,000 codes)
    return _write(
        folder / "pvd.csv",
        header,
        lambda i: [f"{1000 + i:05d}", f"Commune {i}", f"pvd-{i}", "12/03/2021"],
        min(n, 98_999),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lignes", type=int, default=1_000_000)
    parser.add_argument("--sources", default="ademe,france2030,qpv-lieu-action,siret-qpv,tags,pvd")
    args = parser.parse_args()
    print(f"{'source':<18}{'lignes':>10}{'secondes':>10}")
    for kind in args.sources.split(","):
        with tempfile.TemporaryDirectory(prefix="dataetat-bench-") as tmp:
            folder = Path(tmp)
            path = build(folder, kind, args.lignes)
            engine = make_engine(Settings(database_url=f"duckdb:///{folder / 'bench.duckdb'}"))
            database.init(engine)
            start = time.perf_counter()
            result = import_source(engine, kind, path)
            seconds = time.perf_counter() - start
            engine.dispose()
            status = "" if result.written else f"  REFUSÉ {result.report.triples()[:3]}"
            print(f"{kind:<18}{result.report.lignes_lues:>10}{seconds:>10.1f}{status}", flush=True)


if __name__ == "__main__":
    main()
