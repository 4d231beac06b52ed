"""Throughput of a resumable upload: one file of N MB sent in chunks over HTTP to a real uvicorn
server on loopback, into the local folder store and into an S3 store (moto's server on loopback),
then assembled (« terminer »: concatenation + sha256). No import (the job is left waiting).

    python bench/envoi_bench.py --mo 200 [--morceau-mo 8]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.s3_local import s3_server, s3_settings  # noqa: E402
from tests.serving import serve_in_thread  # noqa: E402

from dataetat.cli import app as cli  # noqa: E402
from dataetat.settings import Settings  # noqa: E402


def _upload(base: str, data_path: Path, size: int, region: str) -> tuple[float, float]:
    with httpx.Client(base_url=base, timeout=120) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/televersement").text).group(1)
        h = {"X-CSRF-Token": token}
        body = {
            "region": region,
            "annee": "2023",
            "fichiers": [{"champ": "ae", "nom": "gros.csv", "taille": size}],
        }
        s = client.post("/televersement/envois", json=body, headers=h).json()
        assert "morceau" in s, s
        start = time.perf_counter()
        with data_path.open("rb") as f:
            offset = 0
            while offset < size:
                chunk = f.read(s["morceau"])
                r = client.put(
                    f"/televersement/envois/{s['id']}/ae",
                    content=chunk,
                    headers=h | {"Upload-Offset": str(offset)},
                )
                offset = r.json()["recu"]
        sent = time.perf_counter() - start
        start = time.perf_counter()
        assert client.post(f"/televersement/envois/{s['id']}/terminer", headers=h).status_code == 200
        return sent, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mo", type=int, default=200)
    parser.add_argument("--morceau-mo", type=float, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "gros.csv"
        with data.open("wb") as f:
            for _ in range(args.mo):
                f.write(os.urandom(1024 * 1024))
        size = data.stat().st_size
        url = f"duckdb:///{folder / 'base.duckdb'}"
        assert CliRunner().invoke(cli, ["db", "init"], env={"DATAETAT_DATABASE_URL": url}).exit_code == 0
        settings = Settings(
            database_url=url,
            dossier_exports=folder / "exports",
            dossier_televersements=folder / "televersements",
            auth_developpement=True,
            taches_dans_le_serveur=False,
            envoi_morceau_mo=args.morceau_mo,
        )
        with serve_in_thread(settings) as base:
            sent, done = _upload(base, data, size, "53")
            print(
                f"dossier local : {args.mo} Mo envoyés en {sent:.2f} s ({args.mo / sent:.0f} Mo/s), assemblage {done:.2f} s"
            )
        with s3_server() as endpoint, serve_in_thread(s3_settings(settings, endpoint)) as base:
            sent, done = _upload(base, data, size, "52")  # another feed: the first import waits
            print(
                f"S3 (moto)     : {args.mo} Mo envoyés en {sent:.2f} s ({args.mo / sent:.0f} Mo/s), assemblage {done:.2f} s"
            )


if __name__ == "__main__":
    main()
