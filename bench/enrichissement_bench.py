"""Enrichment benchmark (issue 12): SIRETs enriched per minute against the local fake Recherche
d'entreprises (tests/fakes/entreprises.py, a real HTTP server on 127.0.0.1 that answers 429 beyond
its limit, like the service), at the published rate limit, and the time to refresh 100,000 SIRETs.

    python bench/enrichissement_bench.py [--sirets 300] [--par-seconde 7] [--postgres URL]
        [--sans-limite 2000]

Each run: a fresh database (DuckDB in a temporary folder; PostgreSQL when --postgres gives an
admin URL: a database created and dropped) holding one read-model line per SIRET, then
`jobs.enrichissement.enrichir` over every SIRET — HTTP calls, the batches written with the read
model's beneficiary columns, the tags recomputed at the end. `--sans-limite N` also measures N
SIRETs with the limiter set very high (the pipeline's own ceiling: HTTP + database).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.entreprises import Etablissement, FauxEntreprises  # noqa: E402

from dataetat.connectors.client import reinitialiser  # noqa: E402
from dataetat.jobs import enrichissement  # noqa: E402
from dataetat.query import etiquetage  # noqa: E402
from dataetat.settings import Settings  # noqa: E402
from dataetat.store import database  # noqa: E402
from dataetat.store.engine import insert_arrow, make_engine  # noqa: E402

COMMUNES = ["35238", "29019", "56260", "22278", "35047", "29232"]


def _sirets(n: int) -> list[str]:
    return [f"{100000000 + i:09d}{i % 90000 + 10000:05d}" for i in range(n)]


def _fill(engine, sirets: list[str]) -> None:
    n = len(sirets)
    table = pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "partie": pa.array([0] * n, pa.int16()),
            "source": ["FINANCIAL_DATA_AE"] * n,
            "source_region": ["53"] * n,
            "annee": pa.array([2024] * n, pa.int32()),
            "montant_ae": pa.array([1000] * n, pa.decimal128(18, 2)),
            "montant_cp": pa.array([0] * n, pa.decimal128(18, 2)),
            "nombre_cp": pa.array([0] * n, pa.int32()),
            "beneficiaire_code": sirets,
        }
    )
    with engine.begin() as conn:
        insert_arrow(conn, "ligne", table)


def run(url: str, n: int, per_second: float, label: str) -> dict:
    reinitialiser()
    sirets = _sirets(n)
    faux = FauxEntreprises(
        {s: Etablissement(nom=f"ASSOCIATION {i}", commune=COMMUNES[i % len(COMMUNES)], latitude=48.1, longitude=-1.6)
         for i, s in enumerate(sirets)},
        limite=(7, 1.0),  # the real service's limit, enforced by the fake with 429 + Retry-After
    )  # fmt: skip
    if per_second > 7:
        faux.limite = None  # the ceiling run: no limit on the fake either
    engine = make_engine(Settings(database_url=url))
    try:
        database.init(engine)
        _fill(engine, sirets)
        with faux.recherche() as serveur:
            settings = Settings(
                database_url=url,
                recherche_entreprises_url=serveur.url,
                recherche_entreprises_par_seconde=per_second,
            )
            started = time.monotonic()
            bilan = enrichissement.enrichir(engine, settings, sirets, apres=etiquetage.reapply)
            seconds = time.monotonic() - started
        with engine.connect() as conn:
            placed = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM ligne WHERE beneficiaire_commune_code IS NOT NULL"
            ).scalar_one()
    finally:
        engine.dispose()
    per_minute = 60 * bilan.traites / seconds
    result = {
        "base": label,
        "sirets": n,
        "par_seconde": per_second,
        "secondes": round(seconds, 1),
        "par_minute": round(per_minute),
        "enrichis": bilan.enrichis,
        "lignes_geolocalisees": placed,
        "refus_429": faux.refus_429,
        "100000_sirets_minutes": round(100_000 / per_minute, 1),
    }
    print(result, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sirets", type=int, default=300)
    parser.add_argument("--par-seconde", type=float, default=7)
    parser.add_argument("--sans-limite", type=int, default=0)
    parser.add_argument(
        "--postgres", help="URL d'administration PostgreSQL (une base est créée puis effacée)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"duckdb:///{Path(folder) / 'bench.duckdb'}", args.sirets, args.par_seconde, "duckdb")
        if args.sans_limite:
            run(f"duckdb:///{Path(folder) / 'ceiling.duckdb'}", args.sans_limite, 100_000, "duckdb")
    if args.postgres:
        name = f"dataetat_enrichbench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            run(url, args.sirets, args.par_seconde, "postgresql")
            if args.sans_limite:
                with sa.create_engine(url).begin() as conn:
                    conn.exec_driver_sql("DELETE FROM ligne; DELETE FROM beneficiaire")
                run(url, args.sans_limite, 100_000, "postgresql")
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
