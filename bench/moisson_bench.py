"""Harvest benchmark: N DCAT catalogues (Turtle, one dataset each) served by a loopback HTTP server,
each listing one generated DECP file of M valid marchés (`dataetat.decp.generateur`, a seed per
file: distinct contents), registered in a fresh DuckDB base and harvested (`jobs.moisson`:
download, validation, import of the valid marchés). Prints catalogues and records per minute.

    python bench/moisson_bench.py [--catalogues 20] [--marches 2000]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCHEMA = "https://schema.data.gouv.fr/schemas/139bercy/format-commande-publique/2.0.3/schema_decp_v2.0.3.json"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalogues", type=int, default=20)
    parser.add_argument("--marches", type=int, default=2000)
    args = parser.parse_args()
    from dataetat.decp import generateur
    from dataetat.jobs.moisson import moissonner
    from dataetat.settings import Settings
    from dataetat.store import database
    from dataetat.store import moisson as store
    from dataetat.store.engine import make_engine

    with tempfile.TemporaryDirectory(prefix="bench-moisson-") as tmp:
        root = Path(tmp) / "www"
        root.mkdir()
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
        base = f"http://127.0.0.1:{server.server_address[1]}"
        t = time.perf_counter()
        for n in range(args.catalogues):
            generateur.ecrire_json(root / f"decp-{n}.json", args.marches, graine=1000 + n)
            (root / f"cat-{n}.ttl").write_text(
                "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
                f'<{base}/cat-{n}.ttl> a dcat:Catalog ; dct:title "Acheteur {n}" ; dcat:dataset <{base}/ds/{n}> .\n'
                f'<{base}/ds/{n}> a dcat:Dataset ; dct:identifier "decp-{n}" ; dct:title "DECP {n}" ;\n'
                f"  dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <{base}/decp-{n}.json> ; dct:conformsTo <{SCHEMA}> ] .\n",
                encoding="utf-8",
            )
        print(
            f"{args.catalogues} catalogues de {args.marches} marchés générés en {time.perf_counter() - t:.1f} s"
        )
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            settings = Settings(database_url=f"duckdb:///{Path(tmp) / 'bench.duckdb'}")
            engine = make_engine(settings)
            database.init(engine)
            with engine.begin() as conn:
                for n in range(args.catalogues):
                    store.ajouter_catalogue(
                        conn,
                        f"{base}/cat-{n}.ttl",
                        now=datetime.now(),
                        zone_code=f"{n + 1:02d}",
                        zone_niveau="departement",
                    )
            cpu0 = time.process_time()
            t = time.perf_counter()
            bilans = moissonner(engine, settings)
            seconds = time.perf_counter() - t
            cpu = time.process_time() - cpu0
            engine.dispose()
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
    records = sum(b.enregistrements for b in bilans)
    imported = sum(b.importes for b in bilans)
    print(
        f"moisson : {len(bilans)} catalogues, {records} enregistrements ({imported} marchés importés) en {seconds:.1f} s "
        f"(processeur {cpu:.1f} s) : {60 * len(bilans) / seconds:,.0f} catalogues/min, {60 * records / seconds:,.0f} enregistrements/min "
        f"— pic mémoire {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} Mo, charge {os.getloadavg()[0]:.1f}"
    )
    assert all(b.statut == "ok" for b in bilans), [b.erreurs for b in bilans if b.erreurs]


if __name__ == "__main__":
    main()
