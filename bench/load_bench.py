"""Load benchmark (issue 15 item 5): `dataetat serve` on a generated base, hammered by N concurrent
clients, some looping on the streamed CSV export of a search, the others on searches.

    python bench/load_bench.py [--lignes 100000] [--clients 50] [--exporteurs 10] [--seconds 20]

The base is generated once (`dataetat generate` + `dataetat import chorus`, DuckDB file in
bench/out/load-<lignes>.duckdb, kept for the next run). DuckDB only: the server runs with the
development identity, which server mode (PostgreSQL) refuses; PostgreSQL under the same load is
checked by tests/integration/test_serve_concurrency.py.
A search is `GET /api/v1/lignes` with a random programme/année filter; an export is
`GET /api/v1/exports/lignes.csv` of one programme, read to its end and checked whole (as many data
lines as the search's `total.count`). Prints, per base: requests, errors (5xx, resets, truncated
files, any other status), p50 and p95 of searches and of exports.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import BIN, OUT, pct, served  # noqa: E402


def _generate(lignes: int) -> list[str]:
    folder = OUT / f"load-data-{lignes}"
    if not list(folder.glob("chorus_*.csv")):
        subprocess.run(
            [BIN, "generate", "--lignes", str(lignes), "--out", str(folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return sorted(str(f) for f in folder.glob("chorus_*.csv"))


def _fill(url: str, files: list[str]) -> None:
    env = dict(os.environ, DATAETAT_DATABASE_URL=url)
    subprocess.run([BIN, "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [BIN, "import", "chorus", *files, "--region", "53"], env=env, check=True, stdout=subprocess.DEVNULL
    )


def _values(url: str) -> tuple[list[str], list[int]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        programmes = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT DISTINCT programme_code FROM ligne WHERE programme_code IS NOT NULL"
            )
        ]
        annees = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT annee FROM ligne")]
    engine.dispose()
    return sorted(programmes), sorted(annees)


async def hammer(
    base: str, programmes: list[str], annees: list[int], clients: int, exporters: int, seconds: float
):
    """`clients` concurrent clients for `seconds`, the first `exporters` of them exporting."""
    import httpx

    lat: dict[str, list[float]] = {"recherche": [], "export": []}
    errors: Counter[str] = Counter()
    examples: list[str] = []
    deadline = time.perf_counter() + seconds

    def fail(kind: str, detail: str) -> None:
        errors[kind] += 1
        if len(examples) < 8:
            examples.append(f"{kind}: {detail[:200]}")

    async def export(http: httpx.AsyncClient, rng: random.Random) -> None:
        params = {"code_programme": rng.choice(programmes)}
        try:
            counted = await http.get("/api/v1/lignes", params=params | {"page_size": "1"})
            expected = counted.json()["total"]["count"]
        except Exception as e:  # noqa: BLE001 - the search before the export failed: counted
            fail("recherche (compte de l'export)", repr(e))
            return
        t = time.perf_counter()
        try:
            async with http.stream("GET", "/api/v1/exports/lignes.csv", params=params) as r:
                body = b"".join([chunk async for chunk in r.aiter_bytes()])
            if r.status_code != 200:
                fail(f"export {r.status_code}", body.decode(errors="replace"))
            elif (got := body.count(b"\r\n") - 1) != expected:
                fail("export tronqué (200)", f"{got} lignes sur {expected}")
        except httpx.HTTPError as e:  # a reset, or a stream the server aborted
            fail(f"export {type(e).__name__}", repr(e))
        lat["export"].append((time.perf_counter() - t) * 1000)

    async def search(http: httpx.AsyncClient, rng: random.Random) -> None:
        params: dict[str, str] = {"code_programme": rng.choice(programmes)}
        if rng.random() < 0.5:
            params["annee"] = str(rng.choice(annees))
        if rng.random() < 0.2:
            params["grouping"] = "annee"
        t = time.perf_counter()
        try:
            r = await http.get("/api/v1/lignes", params=params)
            if r.status_code != 200 or "total" not in r.json():
                fail(f"recherche {r.status_code}", r.text)
        except httpx.HTTPError as e:
            fail(f"recherche {type(e).__name__}", repr(e))
        lat["recherche"].append((time.perf_counter() - t) * 1000)

    async def client(i: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(i)
        while time.perf_counter() < deadline:
            await (export if i < exporters else search)(http, rng)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    return lat, errors, examples


def run(name: str, url: str, args) -> None:
    programmes, annees = _values(url)
    with served(url, None, OUT / f"load_bench_{name}.log") as base:
        t = time.perf_counter()
        lat, errors, examples = asyncio.run(
            hammer(base, programmes, annees, args.clients, args.exporteurs, args.seconds)
        )
        elapsed = time.perf_counter() - t
        after = __import__("httpx").get(base + "/api/v1/lignes", timeout=30).status_code
    total = sum(len(v) for v in lat.values())
    print(
        f"{name}: {args.clients} clients ({args.exporteurs} exportent) pendant {elapsed:.0f} s — "
        f"{total} requêtes, {sum(errors.values())} erreurs; requête après la charge : {after}"
    )
    for kind, ms in lat.items():
        if ms:
            print(
                f"  {kind}: {len(ms)} requêtes, p50 {statistics.median(ms):.0f} ms, p95 {pct(ms, 95):.0f} ms"
            )
    for kind, n in sorted(errors.items()):
        print(f"  erreur {kind}: {n}")
    for line in examples:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lignes", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--exporteurs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    files = _generate(args.lignes)
    path = OUT / f"load-{args.lignes}.duckdb"
    if not path.exists():
        _fill(f"duckdb:///{path}", files)
    run("DuckDB", f"duckdb:///{path}", args)


if __name__ == "__main__":
    main()
