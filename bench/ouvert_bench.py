"""Open aggregates benchmark: the time to compute and publish the open aggregates (query/ouvert.py,
statistical secrecy) of a big generated base, and the catalogue's cost.

    python bench/ouvert_bench.py [--lignes 1000000] [--base duckdb:///…] [--seuil 3]

Without --base: generated INF-BUD-53 files (bench/import_bench.py's `generated`, kept in bench/out)
imported into a fresh DuckDB file by `dataetat import chorus`. Then, in process:
- the live computation of every published cell (primary and secondary secrecy, every level at once),
  and `ouvert.rafraichir`: that computation plus writing `ouvert_cellule`, what each import adds;
- every level's published cells as the pages read them (`ouvert.cellules`, from `ouvert_cellule`),
  and the CSV + Parquet files written as
  `dataetat publier data-gouv` writes them (`publication.fichiers`);
- the whole `dataetat publier data-gouv` command against a loopback server answering as data.gouv.fr
  (tests/fakes/data_gouv.py): files written and uploaded;
- one territory's open figures (région, département), the catalogue's jeux and its DCAT-AP Turtle.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import OUT, fresh_database, generated  # noqa: E402
from tests.fakes.data_gouv import CLE, FauxDataGouv  # noqa: E402

from dataetat.catalog import dcat, publication  # noqa: E402
from dataetat.query import catalogue, ouvert  # noqa: E402
from dataetat.query.ouvert_calcul import calculer  # noqa: E402
from dataetat.settings import Settings  # noqa: E402
from dataetat.store import migrate  # noqa: E402
from dataetat.store.engine import make_engine  # noqa: E402
from dataetat.web.api.ouvert import territoire  # noqa: E402


def timed(label: str, fn, *args, **kw):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kw)
    print(
        f"{label} : {time.perf_counter() - start:.2f} s (processeur {time.process_time() - cpu:.2f} s)",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=1_000_000)
    parser.add_argument("--base", help="an existing database URL (skips generation and import)")
    parser.add_argument("--seuil", type=int, default=3)
    args = parser.parse_args()
    bin_ = str(Path(sys.executable).with_name("dataetat"))
    url = args.base
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        url = f"duckdb:///{OUT / f'ouvert-{args.lignes}.duckdb'}"
        files = generated(args.lignes, bin_)
        env = fresh_database("duckdb", url, bin_)
        start = time.perf_counter()
        quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([bin_, "import", "chorus", *map(str, files), "--region", "53"], **quiet)
        sirene = [
            files[0].parent / "StockEtablissement_utf8.csv",
            files[0].parent / "StockUniteLegale_utf8.csv",
        ]
        subprocess.run([bin_, "import", "sirene", *map(str, sirene)], **quiet)  # the beneficiaries' communes
        print(
            f"import de {args.lignes:,} lignes (et SIRENE) : {time.perf_counter() - start:.1f} s", flush=True
        )
    engine = make_engine(Settings(database_url=url))
    migrate.upgrade(engine)  # an older base: the stored cells' tables (migration 0015)
    with engine.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM ligne").scalar_one()
        print(f"base : {url} — {n:,} lignes du modèle de lecture", flush=True)
        live = timed("calcul en direct de toutes les cellules publiées (ouvert_calcul.calculer, secret "
                     "primaire et secondaire)", calculer, conn, args.seuil)  # fmt: skip
        print(
            f"    {len(live):,} cellules dont {sum(c.programme_code == ouvert.AUTRES for c in live):,} « autres »"
        )
    with engine.begin() as conn:
        timed("rafraichir (calcul + écriture de ouvert_cellule, ce qu'ajoute chaque import)", ouvert.rafraichir,
              conn, args.seuil)  # fmt: skip
    print("lectures des cellules stockées (ce que font les pages) :")
    with engine.connect() as conn:
        total = 0
        start = time.perf_counter()
        for niveau in ouvert.NIVEAUX:
            cells = timed(f"  cellules publiées, niveau {niveau}", ouvert.cellules, conn, niveau, args.seuil)
            autres = sum(c.programme_code == ouvert.AUTRES for c in cells)
            print(f"    {len(cells):,} cellules dont {autres:,} « autres »")
            total += len(cells)
        print(f"tous les niveaux : {total:,} cellules en {time.perf_counter() - start:.2f} s")
        with tempfile.TemporaryDirectory() as folder:
            written = timed("fichiers CSV + Parquet (publication.fichiers)", publication.fichiers,
                            conn, args.seuil, None, Path(folder))  # fmt: skip
            for f in written:
                print(f"    {f.chemin.name} : {f.chemin.stat().st_size / 1e6:.1f} Mo")
        timed("territoire ouvert, région 53", territoire, conn, "region", "53", args.seuil, [])
        timed("territoire ouvert, département 35", territoire, conn, "departement", "35", args.seuil, [])
        jeux = timed("catalogue (jeux)", catalogue.jeux, conn)
        ctx = dcat.Contexte("https://data-etat.example.fr", "Data-État", None)
        timed(
            "catalogue DCAT-AP (Turtle)",
            lambda: dcat.serialize(dcat.catalogue_graph(jeux, ctx, "ttl"), "ttl"),
        )
    engine.dispose()
    with FauxDataGouv(["bench"]) as faux:
        env = dict(os.environ, DATAETAT_DATABASE_URL=url, DATAETAT_DATA_GOUV_URL=faux.url,
                   DATAETAT_DATA_GOUV_CLE_API=CLE, DATAETAT_URL_PUBLIQUE="https://data-etat.example.fr")  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            [bin_, "publier", "data-gouv", "--jeu", "bench"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        print(
            f"dataetat publier data-gouv (tout, vers un faux data.gouv.fr local) : {time.perf_counter() - start:.1f} s"
        )


if __name__ == "__main__":
    main()
