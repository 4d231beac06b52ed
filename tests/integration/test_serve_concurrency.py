"""`dataetat serve` under concurrent clients, on DuckDB and PostgreSQL: searches and streamed CSV
exports at once answer without error and every file comes whole (issue 15 item 5: a streamed export
moved between threads while each thread kept its own DuckDB connection — 500s, resets, truncated
files answered 200, then a dead server); a stream that fails mid-way ends in an error the client
sees, never in a clean but incomplete file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.factories import ae_row, write_ae
from tests.serving import serve_in_thread

from dataetat.store.chorus_import import ImportOptions, import_chorus

PROGRAMMES = ["103", "113", "119"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(base: str, server: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise AssertionError("le serveur s'est arrêté")
        try:
            httpx.get(f"{base}/api/v1/annees", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("le serveur ne répond pas")


def _fill(engine, folder: Path, lines: int) -> None:
    rows = [ae_row(str(i), 1, f"{i}.5", programme=PROGRAMMES[i % 3]) for i in range(1, lines + 1)]
    assert import_chorus(engine, [write_ae(folder / "ae.csv", rows)], ImportOptions(region="53")).written


def _serve(settings, port: int) -> subprocess.Popen:
    cli = Path(sys.executable).with_name("dataetat")
    return subprocess.Popen(
        [str(cli), "serve", "--port", str(port)],
        env=os.environ
        | {
            "DATAETAT_DATABASE_URL": settings.database_url,
            "DATAETAT_AUTH_DEVELOPPEMENT": "true",
            "DATAETAT_SECRET_KEY": settings.secret_key,
            "DATAETAT_DOSSIER_EXPORTS": str(settings.dossier_exports),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_concurrent_exports_and_searches_without_error(settings, engine, tmp_path):
    """8 clients streaming CSV exports (2 pages of 10,000 lines each, so the stream resumes in other
    worker threads) while 24 clients search: every answer a 200, every file whole; the server still
    answers afterwards."""
    _fill(engine, tmp_path, 21_000)
    engine.dispose()  # the server must be the only process holding a DuckDB file
    port = _free_port()
    server = _serve(settings, port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, server)
        expected = {
            p: httpx.get(
                f"{base}/api/v1/lignes", params={"code_programme": p, "page_size": 1}, timeout=60
            ).json()["total"]["count"]
            for p in PROGRAMMES
        }
        assert sum(expected.values()) == 21_000

        def export(i: int) -> str:
            p = PROGRAMMES[i % 3]
            try:
                r = httpx.get(f"{base}/api/v1/exports/lignes.csv", params={"code_programme": p}, timeout=120)
            except httpx.HTTPError as e:
                return f"export {p}: {e!r}"
            lines = r.content.count(b"\r\n") - 1
            return (
                "ok"
                if r.status_code == 200 and lines == expected[p]
                else f"export {p}: {r.status_code} {lines}"
            )

        def search(i: int) -> str:
            params = {"code_programme": PROGRAMMES[i % 3], "grouping": "annee" if i % 2 else None}
            try:
                r = httpx.get(
                    f"{base}/api/v1/lignes", params={k: v for k, v in params.items() if v}, timeout=120
                )
            except httpx.HTTPError as e:
                return f"recherche: {e!r}"
            return "ok" if r.status_code == 200 and "total" in r.json() else f"recherche: {r.status_code}"

        with ThreadPoolExecutor(max_workers=32) as pool:
            exports = [pool.submit(export, i) for i in range(24)]
            searches = [pool.submit(search, i) for i in range(240)]
            outcomes = [f.result() for f in exports + searches]
        assert [o for o in outcomes if o != "ok"] == []
        assert httpx.get(f"{base}/api/v1/lignes", timeout=30).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)


class _Failing:
    """exports.frames that fails after its first page (a database error in the middle of a stream)."""

    def __init__(self, frames) -> None:
        self.frames = frames

    def __call__(self, *args, **kwargs):
        for i, frame in enumerate(self.frames(*args, **kwargs)):
            if i == 1:
                raise RuntimeError("panne au milieu de l'export")
            yield frame


@pytest.mark.parametrize("settings", ["duckdb"], indirect=True)
def test_a_stream_failing_midway_is_an_error_for_the_client(settings, engine, tmp_path, monkeypatch):
    """The CSV is sent at once (200 and the first lines gone) before the failure: the connection is
    then cut without the end of the chunked body, which every HTTP client reports as an error —
    never a shorter file that looks whole."""
    from dataetat import exports

    _fill(engine, tmp_path, 10_500)
    monkeypatch.setattr(exports, "frames", _Failing(exports.frames))
    with serve_in_thread(settings) as base:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{base}/api/v1/exports/lignes.csv", timeout=60)
        assert httpx.get(f"{base}/api/v1/lignes", timeout=30).status_code == 200  # the server lives on
