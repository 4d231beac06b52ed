"""`dataetat serve` on DuckDB answers many concurrent requests without error (a pool smaller than the
server's worker threads used to close connections still in use)."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from tests.factories import ae_row, write_ae

from dataetat.settings import Settings
from dataetat.store import database
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.engine import make_engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_concurrent_searches_without_error(tmp_path):
    url = f"duckdb:///{tmp_path / 'serve.duckdb'}"
    engine = make_engine(Settings(database_url=url))
    database.init(engine)
    rows = [ae_row(str(i), 1, str(i), programme=p) for i, p in enumerate(["103", "113", "119"] * 50, 1)]
    assert import_chorus(engine, [write_ae(tmp_path / "ae.csv", rows)], ImportOptions(region="53")).written
    engine.dispose()
    port = _free_port()
    cli = Path(sys.executable).with_name("dataetat")
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env=os.environ | {"DATAETAT_DATABASE_URL": url, "DATAETAT_AUTH_DEVELOPPEMENT": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/api/v1/annees", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        queries = [
            {"code_programme": p, "grouping": g}
            for p in ("103", "113", "119")
            for g in ("annee", "programme_code")
        ]

        def call(i: int) -> int:
            return httpx.get(
                f"{base}/api/v1/lignes", params=queries[i % len(queries)], timeout=30
            ).status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(call, range(400)))
        assert statuses == [200] * 400
    finally:
        server.terminate()
        server.wait(timeout=10)
