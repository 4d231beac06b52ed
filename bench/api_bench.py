"""API benchmark (issue 3): varied realistic searches, groupings, pivots, a 1 M-line CSV export and a
concurrency test against `dataetat serve`, on the DuckDB bench file (10 M generated lines, see
bench/import_bench.py) and on PostgreSQL with 1 M generated lines.

    python bench/api_bench.py [--duckdb-url duckdb:///bench/out/bench.duckdb]
        [--pg-lignes-dir bench/out/data-1000000] [--postgres URL] [--skip-postgres]
        [--seconds 20] [--clients 20] [--searches 200] [--region 53] [--seed 53]

Filters are drawn (deterministic seed) from the real referentials (programmes, départements and
communes of région 53, types de catégorie juridique, centres de coûts) and from values present in
the data (années, localisations, centres de coûts, the tag cp-orphelin), alone or combined.
The PostgreSQL database (`dataetat_apibench` by default) is created, filled by `dataetat db init` +
`dataetat import chorus … --region 53`, and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = str(Path(sys.executable).parent / "dataetat")

GROUPINGS = [
    "programme_code",
    "annee",
    "beneficiaire_categorie_juridique_type",
    "centre_couts_code",
    "localisation_departement_code",
    "domaine_fonctionnel_code",
    "programme_theme",
]

RESULTS: list[tuple[str, str, str, str]] = []  # (what, measured, target, verdict)


# --- value pools and random searches -------------------------------------------------------------


@dataclasses.dataclass
class Pools:
    programmes: list[str]
    annees: list[int]
    departements: list[str]
    communes: list[str]
    types: list[str]
    centres: list[str]
    domaines: list[str]
    themes: list[str]


def pools(conn, region: str) -> Pools:
    """Values of the referentials (région `region`) and of the data."""

    def col(sql: str, **kw) -> list:
        return [r[0] for r in conn.execute(sa.text(sql), kw).all() if r[0] is not None]

    deps = col("SELECT code FROM ref_departement WHERE code_region = :r ORDER BY code", r=region)
    data_programmes = col("SELECT DISTINCT programme_code FROM ligne ORDER BY 1")
    ref_programmes = col("SELECT code FROM ref_programme ORDER BY code")
    data_communes = col(
        "SELECT localisation_commune_code FROM ligne WHERE localisation_commune_code IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 300"
    )
    ref_communes = col("SELECT code FROM ref_commune WHERE code_region = :r ORDER BY code", r=region)
    data_centres = col("SELECT DISTINCT centre_couts_code FROM ligne ORDER BY 1")
    ref_centres = col(
        "SELECT code FROM ref_centre_couts WHERE code_departement IN ("
        "SELECT code FROM ref_departement WHERE code_region = :r) ORDER BY code",
        r=region,
    )
    return Pools(
        # mostly programmes present in the data, some of the referential (maybe absent: empty result)
        programmes=data_programmes * 3 + ref_programmes,
        annees=col("SELECT DISTINCT annee FROM ligne ORDER BY 1"),
        departements=deps,
        communes=data_communes * 2 + ref_communes[:: max(1, len(ref_communes) // 200)],
        types=[*col("SELECT DISTINCT type FROM ref_categorie_juridique ORDER BY 1"), "autres"],
        centres=data_centres * 3 + ref_centres[:50],
        domaines=col("SELECT DISTINCT domaine_fonctionnel_code FROM ligne ORDER BY 1 LIMIT 200"),
        themes=col("SELECT DISTINCT theme FROM ref_programme ORDER BY 1"),
    )


def random_filters(rng: random.Random, p: Pools) -> dict:
    """One realistic search: 0 to 3 filters of the reference's API, as keyword arguments of SearchParams."""
    kinds = [
        ("programme", 5),
        ("annee", 5),
        ("departement", 4),
        ("commune", 2),
        ("region", 1),
        ("type", 2),
        ("centre", 2),
        ("tags", 1),
        ("domaine", 1),
        ("theme", 1),
    ]
    n = rng.choices([0, 1, 2, 3], weights=[1, 4, 4, 2])[0]
    chosen: set[str] = set()
    geo = {"departement", "commune", "region"}
    while len(chosen) < n:
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        if not (kind in geo and geo & chosen):  # one niveau_geo per search
            chosen.add(kind)
    f: dict = {}
    for kind in sorted(chosen):
        if kind == "programme":
            f["code_programme"] = rng.sample(p.programmes, rng.choice([1, 1, 2, 3]))
        elif kind == "annee":
            f["annee"] = sorted(rng.sample(p.annees, rng.choice([1, 1, 2])))
        elif kind == "departement":
            f["niveau_geo"], f["code_geo"] = "departement", rng.sample(p.departements, rng.choice([1, 1, 2]))
        elif kind == "commune" and p.communes:
            f["niveau_geo"], f["code_geo"] = "commune", rng.sample(p.communes, rng.choice([1, 2, 5]))
        elif kind == "region":
            f["niveau_geo"], f["code_geo"] = "region", ["53"]
        elif kind == "type":
            f["beneficiaire_categorieJuridique_type"] = rng.sample(p.types, rng.choice([1, 2]))
        elif kind == "centre":
            f["centres_couts"] = rng.sample(p.centres, rng.choice([1, 2]))
        elif kind == "tags":
            f["tags"] = ["cp-orphelin"]
        elif kind == "domaine" and p.domaines:
            f["domaine_fonctionnel"] = rng.sample(p.domaines, 1)
        elif kind == "theme" and p.themes:
            f["theme"] = rng.sample(p.themes, 1)
    if rng.random() < 0.15:
        f["sort_by"], f["sort_order"] = rng.choice(
            [("montant_ae", "desc"), ("montant_cp", "desc"), ("date_creation", "desc"), ("annee", "asc")]
        )
    return f


def query_string(f: dict) -> dict[str, str]:
    """SearchParams keyword arguments → the reference-compatible query string of /api/v1/lignes."""
    out = {}
    for k, v in f.items():
        if isinstance(v, list):
            out[k] = ("|" if k == "theme" else ",").join(map(str, v))
        else:
            out[k] = str(v)
    return out


# --- helpers -------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def timings(label: str, ms: list[float], target: float | None, note: str = "") -> None:
    p50, p95 = statistics.median(ms), pct(ms, 95)
    measured = f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(ms):.0f} ms (n={len(ms)}){note}"
    verdict = "" if target is None else ("ok" if p95 <= target else "NOT MET")
    RESULTS.append((label, measured, f"p95 ≤ {target:.0f} ms" if target else "", verdict))
    print(f"  {label}: {measured} {verdict}", flush=True)


def timed(fn, *args, **kw) -> float:
    t = time.perf_counter()
    fn(*args, **kw)
    return (time.perf_counter() - t) * 1000


def make(url: str, region: str):
    from dataetat.settings import Settings
    from dataetat.store.engine import make_engine

    return make_engine(Settings(database_url=url, region_developpement=region))


# --- in-process measures -------------------------------------------------------------------------


def query_benches(name: str, url: str, args, targets: dict[str, float | None]) -> None:
    from dataetat.query.params import SearchParams
    from dataetat.query.pivot import pivot
    from dataetat.query.search import search

    engine = make(url, args.region)
    rng = random.Random(args.seed)
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM ligne")).scalar_one()
        print(f"{name}: {total:,} lignes dans la table ligne", flush=True)
        p = pools(conn, args.region)
        searches = [random_filters(rng, p) for _ in range(args.searches)]
        for f in searches[:5]:  # warm-up (caches, first-query planning), not counted
            search(conn, SearchParams(**f, page_size=100), args.region)

        ms, empty, counts = [], 0, []
        for f in searches:
            ms.append(
                timed(lambda f=f: counts.append(search(conn, SearchParams(**f), args.region).total.count))
            )
        empty = sum(1 for c in counts if c == 0)
        timings(
            f"{name} — first page + totals (page_size 100)",
            ms,
            targets["search"],
            f"; {empty} empty results, median {statistics.median(counts):,.0f} lines matched",
        )

        if targets.get("grouping", -1) != -1:
            ms = []
            for i, f in enumerate(searches[:100]):
                f = {k: v for k, v in f.items() if k not in ("sort_by", "sort_order")}
                g = GROUPINGS[i % len(GROUPINGS)]
                ms.append(timed(search, conn, SearchParams(**f, grouping=[g]), args.region))
            timings(
                f"{name} — one grouping level ({len(GROUPINGS)} columns rotated)", ms, targets["grouping"]
            )

        if targets.get("pivot", -1) != -1:
            ms = []
            for f in [{}] + searches[:49]:
                f = {k: v for k, v in f.items() if k not in ("sort_by", "sort_order")}
                ms.append(
                    timed(
                        pivot, conn, SearchParams(**f), "programme_code", "annee", "montant_ae", args.region
                    )
                )
            timings(f"{name} — pivot programme × année", ms, targets["pivot"])
    engine.dispose()


_EXPORT_CHILD = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
from dataetat import exports
from dataetat.query.params import SearchParams
from dataetat.settings import Settings
from dataetat.store.engine import make_engine
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
engine = make_engine(Settings(database_url={url!r}))
params = SearchParams(annee=[{annee}])
with engine.connect() as conn:
    conn.exec_driver_sql('SELECT 1').all()
    before = rss()
    names = exports.chosen_columns(params)
    t = time.perf_counter()
    n = 0
    with open('/dev/null', 'wb') as out:
        for chunk in exports.write_csv(exports.header(names), exports.frames(conn, params, {region!r}, names)):
            out.write(chunk)
            n += 1
    seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, before, peak, len(names))
"""


def export_bench(url: str, args) -> None:
    """CSV export (all registry columns) of the année whose line count is closest to 1 M, in a child
    process (DuckDB's file lock; peak RSS of its own). Peak RSS includes DuckDB's buffers."""
    engine = make(url, args.region)
    with engine.connect() as conn:
        per_year = conn.execute(sa.text("SELECT annee, count(*) FROM ligne GROUP BY 1")).all()
    engine.dispose()
    annee, n = min(per_year, key=lambda r: abs(r[1] - 1_000_000))
    code = _EXPORT_CHILD.format(root=str(ROOT / "src"), url=url, annee=annee, region=args.region)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, before, peak, ncols = out.stdout.split()[-4:]
    seconds, before, peak = float(seconds), float(before), float(peak)
    verdict = "ok" if seconds <= 10 else "NOT MET"
    RESULTS.append(
        (
            f"DuckDB — CSV export of {n:,} lines (annee={annee}, {ncols} columns) to /dev/null",
            f"{seconds:.1f} s, {n / seconds:,.0f} lines/s; RSS {before:.0f} MB before, peak {peak:.0f} MB",
            "≤ 10 s",
            verdict,
        )
    )
    print(f"  export: {RESULTS[-1][1]} {verdict}", flush=True)


# --- concurrency against `dataetat serve` --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _clients(base: str, searches: list[dict], seconds: float, clients: int, seed: int):
    import httpx

    lat: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    async def client(i: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + i)
        while time.perf_counter() < deadline:
            f = dict(rng.choice(searches))
            if rng.random() < 0.2:  # some users open a grouping
                f.pop("sort_by", None), f.pop("sort_order", None)
                f["grouping"] = [rng.choice(GROUPINGS)]
            t = time.perf_counter()
            try:
                r = await http.get("/api/v1/lignes", params=query_string(f))
                ok = r.status_code == 200 and "total" in r.json()
                if not ok:
                    errors.append(f"{r.status_code} {r.text[:200]}")
            except Exception as e:  # noqa: BLE001 - counted
                errors.append(repr(e))
            lat.append((time.perf_counter() - t) * 1000)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    return lat, errors


@contextlib.contextmanager
def served(url: str, region: str | None, log_path: Path):
    """`dataetat serve` on a free loopback port over `url` (jobs off); yields its base URL."""
    import httpx

    port = free_port()
    # No login in a benchmark: the development identity (national, or `region`) answers.
    env = dict(
        os.environ,
        DATAETAT_DATABASE_URL=url,
        DATAETAT_TACHES_DANS_LE_SERVEUR="false",
        DATAETAT_AUTH_DEVELOPPEMENT="true",
    )
    if region:
        env["DATAETAT_REGION_DEVELOPPEMENT"] = region
    log = open(log_path, "w")  # noqa: SIM115 - a file, never a pipe: a full pipe would block the server
    server = subprocess.Popen(
        [BIN, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise RuntimeError(f"le serveur s'est arrêté : {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/api/v1/colonnes", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("le serveur ne répond pas")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def concurrency_bench(url: str, args) -> None:
    import httpx

    engine = make(url, args.region)
    rng = random.Random(args.seed + 1)
    with engine.connect() as conn:
        p = pools(conn, args.region)
    engine.dispose()  # the server must be the only process holding the DuckDB file
    searches = [random_filters(rng, p) for _ in range(500)]
    with served(url, args.region, OUT / "api_bench_serve.log") as base:
        httpx.get(base + "/api/v1/lignes", timeout=60)  # warm-up
        t = time.perf_counter()
        lat, errors = asyncio.run(_clients(base, searches, args.seconds, args.clients, args.seed))
        elapsed = time.perf_counter() - t
    p50, p95 = statistics.median(lat), pct(lat, 95)
    verdict = "ok" if not errors else "NOT MET"
    RESULTS.append(
        (
            f"DuckDB — `dataetat serve`, {args.clients} concurrent clients, {args.seconds:.0f} s, /api/v1/lignes",
            f"{len(lat)} requests ({len(lat) / elapsed:.1f}/s), {len(errors)} errors; "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(lat):.0f} ms",
            "0 errors",
            verdict,
        )
    )
    print(f"  concurrency: {RESULTS[-1][1]} {verdict}", flush=True)
    for e in errors[:5]:
        print(f"    erreur : {e}")
    if errors:
        print(f"    journal du serveur : {OUT / 'api_bench_serve.log'}")


# --- PostgreSQL ----------------------------------------------------------------------------------


def postgres_bench(args) -> None:
    url = args.postgres
    db = sa.engine.make_url(url).database
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        c.exec_driver_sql(f'CREATE DATABASE "{db}"')
    try:
        env = dict(os.environ, DATAETAT_DATABASE_URL=url)
        subprocess.run([BIN, "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        files = sorted(str(f) for f in Path(args.pg_lignes_dir).glob("chorus_*.csv"))
        t = time.perf_counter()
        subprocess.run(
            [BIN, "import", "chorus", *files, "--region", args.region],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - t
        RESULTS.append(
            (
                f"PostgreSQL — import of {args.pg_lignes_dir} (one command)",
                f"{seconds:.1f} s",
                "(~60 s expected)",
                "",
            )
        )
        print(f"  postgresql import: {seconds:.1f} s", flush=True)
        query_benches("PostgreSQL", url, args, {"search": 500, "grouping": None, "pivot": None})
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duckdb-url", default=f"duckdb:///{OUT / 'bench.duckdb'}")
    parser.add_argument("--pg-lignes-dir", default=str(OUT / "data-1000000"))
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/dataetat_apibench"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=20.0, help="Durée du test de concurrence.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--region", default="53")
    parser.add_argument("--seed", type=int, default=53)
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cœurs, charge {os.getloadavg()}", flush=True)
    started = time.perf_counter()
    query_benches("DuckDB", args.duckdb_url, args, {"search": 150, "grouping": 250, "pivot": 300})
    export_bench(args.duckdb_url, args)
    concurrency_bench(args.duckdb_url, args)
    if not args.skip_postgres:
        postgres_bench(args)

    widths = [max(len(r[i]) for r in RESULTS) for i in range(4)]
    print(
        f"\nRésultats ({time.perf_counter() - started:.0f} s au total, seed {args.seed}, région {args.region}):"
    )
    head = ("what", "measured", "target", "")
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in RESULTS:
        print(" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
