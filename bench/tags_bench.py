"""Tag rules benchmark: time `etiquetage.reapply` on the DuckDB bench base, without changing it.

    python bench/tags_bench.py [--base bench/out/bench.duckdb]

The base is the one of `python bench/import_bench.py --lignes 10000000 --skip-postgres` (10 M lines of
AE + CP files). In one transaction, rolled back at the end: every line's tags are cleared (the worst
case: every tagged line is written again), `reapply` is timed; then timed again (nothing changes: the
cost of reading, the case of an import that touches no tag). Prints the numbers for the README.

`--lignes N` (default 10,000,000): the read model of 10 M file lines holds 3.8 M lines (an EJ's
postes and years make one line), so, in the same rolled-back transaction, its lines are copied
under new ids until `ligne` holds N lines: the measure is on N read-model lines.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sqlalchemy as sa

from dataetat.query import etiquetage
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
from dataetat.store.schema import ligne

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=ROOT / "bench" / "out" / "bench.duckdb")
    parser.add_argument(
        "--lignes", type=int, default=10_000_000, help="Lignes du modèle de lecture mesurées."
    )
    args = parser.parse_args()
    if not args.base.exists():
        raise SystemExit(
            f"{args.base} n'existe pas : lancez bench/import_bench.py --lignes 10000000 --skip-postgres"
        )
    engine = make_engine(Settings(database_url=f"duckdb:///{args.base}"))
    with engine.connect() as conn, conn.begin() as transaction:
        lines = _grow(conn, args.lignes)
        rules = conn.exec_driver_sql("SELECT count(*) FROM tag_regle WHERE actif").scalar_one()
        conn.execute(ligne.update().values(tags=None).where(ligne.c.tags.is_not(None)))
        start = time.perf_counter()
        full = etiquetage.reapply_bilan(conn)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = etiquetage.reapply_bilan(conn)
        second = time.perf_counter() - start
        by_tag = conn.exec_driver_sql(
            "SELECT t, count(*) FROM (SELECT unnest(string_split(tags, ' ')) AS t FROM ligne WHERE tags IS NOT NULL) "
            "GROUP BY t ORDER BY 2 DESC"
        ).all()
        transaction.rollback()
    engine.dispose()
    print(f"base {args.base}: {lines:,} lignes du modèle de lecture, {rules} règles actives")
    print(
        f"reapply, toutes les étiquettes à réécrire : {first:.2f} s ({full.modifiees:,} lignes écrites, {full.etiquetees:,} étiquetées)"
    )
    print(f"reapply, rien ne change : {second:.2f} s ({again.modifiees:,} lignes écrites)")
    print("par étiquette : " + ", ".join(f"{t} {n:,}" for t, n in by_tag))


def _grow(conn, target: int) -> int:
    """Copy the read model's lines under new ids until it holds `target` lines; how many it holds."""
    lines = conn.execute(sa.select(sa.func.count()).select_from(ligne)).scalar_one()
    original = lines
    while lines < target:
        offset = conn.exec_driver_sql("SELECT max(id) FROM ligne").scalar_one()
        conn.exec_driver_sql(
            f"INSERT INTO ligne SELECT * REPLACE (id + {int(offset)} AS id) FROM ligne "
            f"WHERE id IN (SELECT id FROM ligne ORDER BY id LIMIT {min(original, target - lines)})"
        )
        lines = conn.execute(sa.select(sa.func.count()).select_from(ligne)).scalar_one()
    return lines


if __name__ == "__main__":
    main()
