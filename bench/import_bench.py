"""Import benchmark: generated INF-BUD-53 files into DuckDB (and PostgreSQL), against DuckDB's own
read_csv scan of the same files, then a grouped query. Prints numbers for the README.

    python bench/import_bench.py [--lignes 1000000] [--postgres URL] [--skip-postgres] [--par-exercice]
    python bench/import_bench.py --petits [--postgres URL]   # 10k, 20k and 50k lines, DuckDB and PostgreSQL

Each import runs in a subprocess (`dataetat import chorus`) so that its peak memory (max RSS) is
measured on its own.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


_MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one command, measured by a parent of its own."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], env=env, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - start, int(out.stdout.split()[-1]) / 1024


def generated(lignes: int, bin_: str) -> list[Path]:
    """The generated files of `lignes` lines (written once, kept in bench/out)."""
    data = OUT / f"data-{lignes}"
    if not (data / "chorus_ae_2024.csv").exists():
        t = time.perf_counter()
        subprocess.run(
            [bin_, "generate", "--lignes", str(lignes), "--out", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"génération de {lignes:,} lignes : {time.perf_counter() - t:.1f} s")
    return sorted(data.glob("chorus_*.csv"))


def fresh_database(name: str, url: str, bin_: str) -> dict[str, str]:
    """An empty, initialised database; returns the environment pointing at it."""
    env = dict(os.environ, DATAETAT_DATABASE_URL=url)
    if name == "duckdb":
        for suffix in ("", ".wal"):
            Path(sa.engine.make_url(url).database + suffix).unlink(missing_ok=True)
    else:
        admin = sa.create_engine(sa.engine.make_url(url).set(database="test"), isolation_level="AUTOCOMMIT")
        db = sa.engine.make_url(url).database
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            c.exec_driver_sql(f'CREATE DATABASE "{db}"')
        admin.dispose()
    subprocess.run([bin_, "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def small_imports(postgres: str, bin_: str) -> None:
    """Small files, one command each, into a fresh base (issue 11: PostgreSQL took 57–195 s for 20,000
    lines while DuckDB took 3 s, the read-model refresh being planned without statistics)."""
    for lignes in (10_000, 20_000, 50_000):
        files = [str(f) for f in generated(lignes, bin_)]
        for name, url in (("duckdb", f"duckdb:///{OUT / 'petits.duckdb'}"), ("postgresql", postgres)):
            env = fresh_database(name, url, bin_)
            seconds, rss = run([bin_, "import", "chorus", *files, "--region", "53"], env)
            print(f"{name} : import de {lignes:,} lignes en {seconds:.1f} s ; mémoire max {rss:.0f} Mo")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/dataetat_bench")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--par-exercice", action="store_true", help="Un import par exercice (AE + CP).")
    parser.add_argument("--petits", action="store_true", help="10 000, 20 000 et 50 000 lignes, chaque base.")
    args = parser.parse_args()
    bin_ = str(Path(sys.executable).parent / "dataetat")
    if args.petits:
        small_imports(args.postgres, bin_)
        return
    files = generated(args.lignes, bin_)
    size = sum(f.stat().st_size for f in files) / 1e6

    # DuckDB's own scan of the same files: every column as text, preamble skipped.
    con = duckdb.connect()
    t = time.perf_counter()
    rows = 0
    for f in files:
        rows += con.execute(
            f"SELECT count(*) FROM read_csv('{f}', skip=8, header=false, all_varchar=true)"
        ).fetchall()[0][0]
        con.sql(f"SELECT * FROM read_csv('{f}', skip=8, header=false, all_varchar=true)").to_arrow_table()
    scan = time.perf_counter() - t
    print(f"fichiers : {len(files)}, {rows:,} lignes, {size:.0f} Mo ; scan DuckDB read_csv : {scan:.2f} s")

    targets = [("duckdb", f"duckdb:///{OUT / 'bench.duckdb'}")]
    if not args.skip_postgres:
        targets.append(("postgresql", args.postgres))
    for name, url in targets:
        env = fresh_database(name, url, bin_)
        if args.par_exercice:  # one command per exercice (its AE and CP files), as a comptable imports
            total, peak = 0.0, 0.0
            for year in sorted({f.stem.rsplit("_", 1)[1] for f in files}):
                pair = [str(f) for f in files if f.stem.endswith(year)]
                seconds, rss = run([bin_, "import", "chorus", *pair, "--region", "53"], env)
                total, peak = total + seconds, max(peak, rss)
        else:  # one command, every exercice's AE and CP files: one transaction
            total, peak = run([bin_, "import", "chorus", *map(str, files), "--region", "53"], env)
        ratio = f", {total / scan:.1f}× le scan DuckDB" if name == "duckdb" else ""
        print(f"{name} : import de {rows:,} lignes en {total:.1f} s{ratio} ; mémoire max {peak:.0f} Mo")
        t = time.perf_counter()
        subprocess.run(
            [bin_, "query", "--grouping", "programme_code", "--format", "json"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"{name} : dataetat query --grouping programme_code (processus complet) : {time.perf_counter() - t:.2f} s"
        )
        engine = sa.create_engine(url)
        from dataetat.query.params import SearchParams
        from dataetat.query.search import search

        with engine.connect() as conn:
            search(conn, SearchParams(grouping=["programme_code"]))
            t = time.perf_counter()
            for _ in range(5):
                search(conn, SearchParams(grouping=["programme_code"]))
            print(
                f"{name} : totaux groupés par programme (requête seule) : {(time.perf_counter() - t) / 5 * 1000:.0f} ms"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
