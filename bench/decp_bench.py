"""« Commande publique » benchmark: a generated consolidated DECP file (the decp-processing tabular
format, 57 columns, default 1.5 M rows: one per marché × titulaire × modification state) imported
by `dataetat import decp` into a fresh DuckDB base (a subprocess, timed, with its peak memory), then
searches with totals (query/marches_recherche.search) timed in process: p50 and p95.

    python bench/decp_bench.py [--lignes 1500000] [--recherches 200] [--postgres URL]
    python bench/decp_bench.py --base URL [--par-type]

The file is generated once into bench/out/ (kept between runs). `--par-type` (with `--base`): the
median time of each kind of search; on a local PostgreSQL, with the processor time of the server's
process too (read from /proc, parallel workers off so that it is all in that process): the
comparable number on a loaded machine."""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
COLUMNS = [
    "uid", "id", "nature", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_typeIdentifiant",
    "titulaire_nom", "objet", "montant", "type", "codeCPV", "procedure", "techniques", "dureeMois",
    "dureeRestanteMois", "offresRecues", "dateNotification", "datePublicationDonnees", "formePrix", "typesPrix",
    "attributionAvance", "tauxAvance", "marcheInnovant", "modalitesExecution", "considerationsSociales",
    "considerationsEnvironnementales", "ccag", "sousTraitanceDeclaree", "typeGroupementOperateurs", "origineUE",
    "origineFrance", "lieuExecution_code", "lieuExecution_typeCode", "idAccordCadre", "titulaire_distance",
    "acheteur_commune_code", "acheteur_commune_nom", "acheteur_departement_code", "acheteur_departement_nom",
    "acheteur_region_code", "acheteur_region_nom", "acheteur_latitude", "acheteur_longitude",
    "titulaire_categorie", "titulaire_commune_code", "titulaire_commune_nom", "titulaire_departement_code",
    "titulaire_departement_nom", "titulaire_region_code", "titulaire_region_nom", "titulaire_latitude",
    "titulaire_longitude", "modification_id", "donneesActuelles", "sourceDataset", "sourceFile",
]  # fmt: skip
OBJETS = [
    "Travaux de rénovation énergétique", "Maîtrise d'œuvre pour la construction", "Fourniture de denrées alimentaires",
    "Entretien des espaces verts", "Prestations de nettoyage des locaux", "Acquisition de matériel informatique",
    "Transport scolaire", "Marché de voirie et réseaux divers", "Assurance dommages aux biens",
    "Maintenance des ascenseurs", "Formation des agents", "Collecte des déchets ménagers",
]  # fmt: skip
CPV = ["45000000", "45210000", "71000000", "15000000", "77310000", "90910000", "30200000", "60130000",
       "45233000", "66510000", "50750000", "80500000", "90511000", "79311000", "33100000"]  # fmt: skip
PROCEDURES = [
    "Procédure adaptée",
    "Appel d'offres ouvert",
    "Appel d'offres restreint",
    "Procédure avec négociation",
]


def communes() -> list[str]:
    from dataetat.referentiels.bundled import load_bundled_table

    return load_bundled_table("commune")["code"].to_list()


def generate(path: Path, lignes: int, seed: int = 2026) -> None:
    """≈ lignes rows: marchés with 1 titulaire (80 %) or 2, 10 % of them modified once (one more state)."""
    rng = np.random.default_rng(seed)
    codes = np.array(communes())
    n = int(lignes / 1.32)  # rows per marché: 1.2 titulaires × 1.1 states
    acheteurs = np.array([f"{x:014d}" for x in rng.integers(10**12, 10**14 - 1, 20_000)])
    titulaires = np.array([f"{x:014d}" for x in rng.integers(10**12, 10**14 - 1, 200_000)])
    m = pl.DataFrame({
        "k": np.arange(n),
        "acheteur_id": acheteurs[rng.integers(0, len(acheteurs), n)],
        "objet": np.array(OBJETS)[rng.integers(0, len(OBJETS), n)],
        "codeCPV": np.array(CPV)[rng.integers(0, len(CPV), n)],
        "procedure": np.array(PROCEDURES)[rng.integers(0, len(PROCEDURES), n)],
        "montant": np.round(np.exp(rng.normal(11.5, 1.3, n)), 2),
        "dureeMois": rng.integers(1, 60, n),
        "jour": rng.integers(0, 2 * 365, n),
        "lieu": codes[rng.integers(0, len(codes), n)],
        "t1": titulaires[rng.integers(0, len(titulaires), n)],
        "t2": titulaires[rng.integers(0, len(titulaires), n)],
        "deux": rng.random(n) < 0.2,
        "modifie": rng.random(n) < 0.1,
    })  # fmt: skip
    start = date(2024, 1, 1)
    m = m.with_columns(
        pl.format("{}-{}", pl.lit("M"), pl.col("k")).alias("id"),
        (pl.lit(start) + pl.duration(days=pl.col("jour"))).cast(pl.Utf8).alias("dateNotification"),
    )
    titulaires_rows = pl.concat([
        m.with_columns(pl.col("t1").alias("titulaire_id")),
        m.filter(pl.col("deux")).with_columns(pl.col("t2").alias("titulaire_id")),
    ])  # fmt: skip
    states = pl.concat([
        titulaires_rows.with_columns(pl.lit(0).alias("modification_id"), pl.col("modifie").not_().alias("actuel")),
        titulaires_rows.filter(pl.col("modifie")).with_columns(
            pl.lit(1).alias("modification_id"), pl.lit(True).alias("actuel"),
            (pl.col("montant") * 1.15).round(2).alias("montant"), (pl.col("dureeMois") + 6).alias("dureeMois"),
        ),
    ])  # fmt: skip
    frame = states.select(
        (pl.col("acheteur_id") + pl.col("id")).alias("uid"), "id", pl.lit("Marché").alias("nature"),
        "acheteur_id", pl.format("Acheteur {}", pl.col("acheteur_id").str.slice(0, 6)).alias("acheteur_nom"),
        "titulaire_id", pl.lit("SIRET").alias("titulaire_typeIdentifiant"),
        pl.format("Entreprise {}", pl.col("titulaire_id").str.slice(0, 6)).alias("titulaire_nom"),
        pl.format("{} n° {}", pl.col("objet"), pl.col("k")).alias("objet"), "montant", pl.lit("Travaux").alias("type"),
        "codeCPV", "procedure", pl.lit("Sans objet").alias("techniques"), "dureeMois",
        pl.lit(None).alias("dureeRestanteMois"), pl.lit(3).alias("offresRecues"), "dateNotification",
        pl.col("dateNotification").alias("datePublicationDonnees"), pl.lit("Forfaitaire").alias("formePrix"),
        pl.lit("Définitif ferme").alias("typesPrix"), pl.lit("false").alias("attributionAvance"),
        pl.lit(0).alias("tauxAvance"), pl.lit("false").alias("marcheInnovant"),
        pl.lit("Sans objet").alias("modalitesExecution"), pl.lit("Sans objet").alias("considerationsSociales"),
        pl.lit("Sans objet").alias("considerationsEnvironnementales"), pl.lit("Travaux").alias("ccag"),
        pl.lit("false").alias("sousTraitanceDeclaree"), pl.lit("Pas de groupement").alias("typeGroupementOperateurs"),
        pl.lit(None).alias("origineUE"), pl.lit(None).alias("origineFrance"), pl.col("lieu").alias("lieuExecution_code"),
        pl.lit("Code commune").alias("lieuExecution_typeCode"), pl.lit(None).alias("idAccordCadre"),
        pl.lit(12).alias("titulaire_distance"), pl.col("lieu").alias("acheteur_commune_code"),
        *(pl.lit(None).alias(c) for c in COLUMNS[37:44]), pl.lit("PME").alias("titulaire_categorie"),
        *(pl.lit(None).alias(c) for c in COLUMNS[45:53]), "modification_id",
        pl.col("actuel").alias("donneesActuelles"), pl.lit("bench").alias("sourceDataset"),
        pl.lit(None).alias("sourceFile"),
    )  # fmt: skip
    assert frame.columns == COLUMNS
    frame.write_csv(path)


def searches(n: int, rng: random.Random) -> list[dict[str, str]]:
    choices = [
        lambda: {},
        lambda: {"objet": rng.choice(["rénovation", "ENTRETIEN espaces", "transport"])},
        lambda: {"cpv": rng.choice(["45", "71", "9091"])},
        lambda: {"montant_min": "40000", "montant_max": str(rng.choice([100000, 500000]))},
        lambda: {"date_min": "2024-03-01", "date_max": "2024-09-30"},
        lambda: {"procedure": rng.choice(PROCEDURES)},
        lambda: {"niveau_geo": "region", "code_geo": rng.choice(["53", "52", "11", "84"])},
        lambda: {"niveau_geo": "departement", "code_geo": rng.choice(["35", "44", "75", "13"])},
        lambda: {"grouping": rng.choice(["cpv_division_code", "procedure", "lieu_region_code"])},
        lambda: {"grouping": "titulaire_id"},
    ]
    return [rng.choice(choices)() for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=1_500_000)
    parser.add_argument("--recherches", type=int, default=200)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database to bench too")
    parser.add_argument("--base", help="URL of a base already imported: only the searches are timed")
    parser.add_argument("--par-type", action="store_true", help="with --base: each kind of search")
    args = parser.parse_args()
    if args.base and args.par_type:
        time_kinds(args.base)
        return
    if args.base:
        time_searches(args.base, args.recherches)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"decp-consolide-{args.lignes}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.lignes)
        print(
            f"fichier généré en {time.perf_counter() - t:.1f} s : {path} ({path.stat().st_size / 1e6:.0f} Mo)"
        )
    urls = []
    with tempfile.TemporaryDirectory() as folder:
        urls.append(f"duckdb:///{folder}/bench.duckdb")
        if args.postgres:
            urls.append(args.postgres)
        for url in urls:
            run(url, path, args.recherches)


def run(url: str, path: Path, n: int) -> None:
    import os

    env = {**os.environ, "DATAETAT_DATABASE_URL": url}
    dataetat = Path(sys.executable).with_name("dataetat")
    subprocess.run([str(dataetat), "db", "init"], env=env, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(
        [str(dataetat), "import", "decp", str(path)], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    peak = usage.ru_maxrss / 1e6
    print(done.stdout.strip().splitlines()[-1] if done.stdout else done.stderr[-2000:])
    kind = url.split(":")[0]
    print(
        f"{kind} : import de {path.name} en {seconds:.1f} s, temps processeur {cpu:.1f} s "
        f"(mémoire max des commandes {peak:.2f} Go ; charge {os.getloadavg()[0]:.1f})"
    )
    time_searches(url, n)


def time_searches(url: str, n: int) -> None:
    import os

    from dataetat.query.marches import params_from_query
    from dataetat.query.marches_recherche import search
    from dataetat.settings import Settings
    from dataetat.store.engine import make_engine

    kind = url.split(":")[0]
    engine = make_engine(Settings(database_url=url))
    rng = random.Random(7)
    timings, cpu = [], []
    with engine.connect() as conn:
        for query in searches(n, rng):
            t, c = time.perf_counter(), time.process_time()
            result = search(conn, params_from_query({**query, "page_size": "100"}), None)
            timings.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert result.total.count >= 0
    timings.sort()
    cpu.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"{kind} : charge {os.getloadavg()[0]:.1f}, {n} recherches avec totaux : p50 {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms, max {timings[-1]:.0f} ms ; temps processeur du processus (DuckDB compris, "
        f"pas le serveur PostgreSQL) p50 {statistics.median(cpu):.0f} ms, p95 {cpu[int(0.95 * (len(cpu) - 1))]:.0f} ms"
    )
    engine.dispose()


KINDS = {
    "sans filtre": {},
    "objet « rénovation »": {"objet": "rénovation"},
    "objet « ENTRETIEN espaces »": {"objet": "ENTRETIEN espaces"},
    "CPV 45": {"cpv": "45"},
    "CPV 9091": {"cpv": "9091"},
    "montant 40 000–100 000": {"montant_min": "40000", "montant_max": "100000"},
    "montant 40 000–500 000": {"montant_min": "40000", "montant_max": "500000"},
    "dates mars–septembre 2024": {"date_min": "2024-03-01", "date_max": "2024-09-30"},
    "procédure": {"procedure": "Procédure adaptée"},
    "région 53": {"niveau_geo": "region", "code_geo": "53"},
    "département 35": {"niveau_geo": "departement", "code_geo": "35"},
    "groupé par division CPV": {"grouping": "cpv_division_code"},
    "groupé par titulaire": {"grouping": "titulaire_id"},
}


def time_kinds(url: str, repeat: int = 5) -> None:
    import os

    import sqlalchemy as sa

    from dataetat.query.marches import params_from_query
    from dataetat.query.marches_recherche import search
    from dataetat.settings import Settings
    from dataetat.store.engine import make_engine

    engine = make_engine(Settings(database_url=url))
    with engine.connect() as conn:
        server = None
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET max_parallel_workers_per_gather = 0")
            pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            if Path(f"/proc/{pid}/stat").exists():
                server = Path(f"/proc/{pid}/stat")
        tick = os.sysconf("SC_CLK_TCK")

        def server_cpu() -> float:
            fields = server.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick * 1000

        print(f"charge {os.getloadavg()[0]:.1f}" + (", serveur sans processus parallèles" if server else ""))
        for name, query in KINDS.items():
            wall, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time() * 1000 + (server_cpu() if server else 0)
                search(conn, params_from_query({**query, "page_size": "100"}), None)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append(time.process_time() * 1000 + (server_cpu() if server else 0) - c)
            print(
                f"{name} : {statistics.median(wall):.0f} ms, temps processeur "
                f"{'(client + serveur) ' if server else ''}{statistics.median(cpu):.0f} ms"
            )
    engine.dispose()


if __name__ == "__main__":
    main()
