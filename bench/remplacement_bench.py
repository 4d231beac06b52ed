"""Replacing exercices on PostgreSQL: the time of a first import, then of the same files imported
again (their exercices replaced), in a fresh database created and dropped by the script.

    .venv/bin/python bench/remplacement_bench.py [--lignes 100000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from dataetat.demo.generator import generate
from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.engine import make_engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"bench_remplacement_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = generate(args.lignes, Path(folder), exercices=(2020, 2021), seed=7)
            url = sa.engine.make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            engine = make_engine(Settings(database_url=url))
            database.init(engine)
            for what in ("premier import", "même fichiers, exercices remplacés"):
                start = time.perf_counter()
                import_chorus(engine, files.ae + files.cp, ImportOptions(region="53"))
                print(f"{what} : {time.perf_counter() - start:.1f} s", flush=True)
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
