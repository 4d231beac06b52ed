"""« Commande publique » map and tableau dynamique benchmark: over a base holding the generated
consolidated DECP file (bench/decp_bench.py's, default 1.5 M rows), the totals per zone of the map
(query/marches_recherche.carte: région, département, commune) and the pivots
(query/marches_pivot.pivot: several column pairs and values), each with and without filters, timed in
process: wall-clock and processor time (user + system of this process, DuckDB's threads included).

    python bench/decp_vues_bench.py [--lignes 1500000] [--base URL] [--tours 5]

Without --base, the file is imported once into bench/out/decp-vues-LIGNES.duckdb (kept)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decp_bench import OUT, generate  # noqa: E402

FILTRES = [
    {},
    {"annee": "2023"},
    {"procedure": "Procédure adaptée"},
    {"niveau_geo": "region", "code_geo": "53"},
]
PAIRES = [
    ("procedure", "annee", "montant"),
    ("lieu_departement_code", "annee", "marches"),
    ("cpv_division_code", "nature", "count"),
    ("titulaire_categorie", "annee", "marches"),  # a titulaire-level column: distinct totals
]


def base(lignes: int) -> str:
    target = OUT / f"decp-vues-{lignes}.duckdb"
    url = f"duckdb:///{target}"
    if target.exists():
        return url
    path = OUT / f"decp-consolide-{lignes}.csv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        generate(path, lignes)
    env = {**os.environ, "DATAETAT_DATABASE_URL": url}
    dataetat = Path(sys.executable).with_name("dataetat")
    subprocess.run([str(dataetat), "db", "init"], env=env, check=True, capture_output=True)
    t = time.perf_counter()
    subprocess.run([str(dataetat), "import", "decp", str(path)], env=env, check=True, capture_output=True)
    print(f"import : {time.perf_counter() - t:.0f} s ({path.name})")
    return url


def timed(label: str, runs: list[tuple[float, float]]) -> None:
    wall = sorted(w for w, _ in runs)
    cpu = sorted(c for _, c in runs)
    p95 = wall[int(0.95 * (len(wall) - 1))]
    print(
        f"{label} : {len(runs)} appels, mur p50 {statistics.median(wall):.0f} ms, p95 {p95:.0f} ms, "
        f"max {wall[-1]:.0f} ms ; processeur p50 {statistics.median(cpu):.0f} ms, max {cpu[-1]:.0f} ms "
        f"(charge {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=1_500_000)
    parser.add_argument("--base", help="URL of a base already imported")
    parser.add_argument("--tours", type=int, default=5)
    args = parser.parse_args()
    url = args.base or base(args.lignes)

    from dataetat.query.marches import params_from_query
    from dataetat.query.marches_pivot import pivot
    from dataetat.query.marches_recherche import carte
    from dataetat.settings import Settings
    from dataetat.store.engine import make_engine

    engine = make_engine(Settings(database_url=url))

    def measure(function, *args) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        function(conn, *args)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    with engine.connect() as conn:
        for niveau in ("region", "departement", "commune"):
            runs = []
            for _ in range(args.tours):
                for filtre in FILTRES:
                    runs.append(measure(carte, params_from_query(filtre), niveau, None))
            timed(f"carte {niveau}", runs)
        for lignes, colonnes, valeur in PAIRES:
            runs = []
            for _ in range(args.tours):
                for filtre in FILTRES:
                    runs.append(measure(pivot, params_from_query(filtre), lignes, colonnes, valeur, None))
            timed(f"tableau {lignes} × {colonnes} ({valeur})", runs)
    engine.dispose()


if __name__ == "__main__":
    main()
