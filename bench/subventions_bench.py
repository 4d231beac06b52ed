"""Data Subvention panel benchmark (issue 12 §3): time to show the « Subventions (Data Subvention) »
panel of an association, first when the service is asked (fetch over HTTP from the local fake
tests/fakes/data_subvention.py, parse, write the cache), then from the cache (read, EJ → line
links under région scope), each time with the panel's HTML rendered (`query.subventions.panneau`
and the template of the route; the HTTP layer of the app is left out).

    python bench/subventions_bench.py [--associations 50] [--subventions 20] [--postgres]

Each run: a fresh database (DuckDB in a temporary folder; with --postgres also a PostgreSQL
database created on DATAETAT_TEST_PG_URL, as the tests do, and dropped) with one AE line per association (its EJ is the first
subsidy's), the fake service without rate limit (the service's own 20 req/min would dominate:
3 s a call), then the panel twice per association, as a national user.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import fresh_database_url  # noqa: E402
from tests.fakes.data_subvention import application, serveur_data_subvention  # noqa: E402

from dataetat.connectors.client import reinitialiser  # noqa: E402
from dataetat.query.subventions import panneau  # noqa: E402
from dataetat.settings import Settings  # noqa: E402
from dataetat.store import database  # noqa: E402
from dataetat.store.engine import make_engine  # noqa: E402
from dataetat.store.schema import beneficiaire, ligne  # noqa: E402
from dataetat.web.pages.templating import templates  # noqa: E402


def _fill(engine, sirets: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(
            beneficiaire.insert(),
            [{"siret": s, "denomination": f"ASSOCIATION {i}", "categorie_juridique": "9220",
              "code_commune": "35238", "updated_at": datetime(2024, 1, 1)} for i, s in enumerate(sirets)],
        )  # fmt: skip
        conn.execute(
            ligne.insert(),
            [{"id": i + 1, "partie": 0, "source": "FINANCIAL_DATA_AE", "data_source": "REGION",
              "source_region": "53", "annee": 2024, "n_ej": f"21{i:08d}", "n_poste_ej": 1,
              "montant_ae": 1000, "montant_cp": 0, "nombre_cp": 0, "beneficiaire_code": s,
              "beneficiaire_categorie_juridique": "9220"} for i, s in enumerate(sirets)],
        )  # fmt: skip


def run(url: str, associations: int, subventions: int) -> dict[str, float]:
    sirets = [f"7{i:013d}" for i in range(associations)]
    engine = make_engine(Settings(database_url=url))
    database.init(engine)
    _fill(engine, sirets)
    engine.dispose()
    reinitialiser()
    with serveur_data_subvention() as fake:
        for i, siret in enumerate(sirets):
            fake.applications[siret] = [
                application(ej=f"21{i:08d}" if k == 0 else "N/A", exerciceBudgetaire=2020 + k % 5,
                            idSubvention=f"bench-{i}-{k}", montantDemande=1000 + k, montantAccorde=900 + k)
                for k in range(subventions)
            ]  # fmt: skip
        settings = Settings(
            database_url=url,
            data_subvention_url=fake.url,
            data_subvention_jeton=fake.jeton,
            data_subvention_par_minute=1_000_000,
        )
        template = templates.env.get_template("_subventions.html")
        timings: dict[str, list[float]] = {"premier (service)": [], "cache": []}
        engine = make_engine(settings)
        for siret in sirets:
            who = {"siret": siret, "categorie_juridique": "9220"}
            for kind in timings:
                started = time.perf_counter()
                html = template.render(p=panneau(engine, settings, who, None), lien_data_subvention="")
                timings[kind].append(time.perf_counter() - started)
                assert 'data-etat="ok"' in html and "/lignes/" in html, html[:300]
        engine.dispose()
        assert fake.appels(sirets[0]) == 1
    return {kind: statistics.median(values) * 1000 for kind, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--associations", type=int, default=50)
    parser.add_argument("--subventions", type=int, default=20)
    parser.add_argument(
        "--postgres", action="store_true", help="also PostgreSQL (a database created on DATAETAT_TEST_PG_URL)"
    )
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("duckdb", "postgresql") if args.postgres else ("duckdb",):
            with fresh_database_url(kind, Path(folder)) as url:
                results[kind] = run(url, args.associations, args.subventions)
    print(f"{args.associations} associations × {args.subventions} subventions, médiane par panneau :")
    for base, timing in results.items():
        print(f"  {base:<10} " + ", ".join(f"{kind} {ms:.1f} ms" for kind, ms in timing.items()))


if __name__ == "__main__":
    main()
