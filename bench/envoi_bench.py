"""Throughput of a resumable upload: one file of N MB sent in chunks over HTTP to a real uvicorn
server on loopback, into the local folder store and into an S3 store (moto's server on loopback),
then « terminer » (the request: answers 202 at once) and the assembly it queues (concatenation +
sha256, run here by a worker in this process, as `dataetat worker` would). No import (that job is
left waiting). Wall-clock and processor time (user+sys of this process: server, worker, moto).

    python bench/envoi_bench.py --mo 200 [--morceau-mo 8]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.s3_local import s3_server, s3_settings  # noqa: E402
from tests.serving import serve_in_thread  # noqa: E402

from dataetat import stockage  # noqa: E402
from dataetat.cli import app as cli  # noqa: E402
from dataetat.jobs.execution import run_one  # noqa: E402
from dataetat.settings import Settings  # noqa: E402
from dataetat.store.engine import make_engine  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _upload(base: str, data_path: Path, size: int, region: str, settings: Settings) -> str:
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
        start, cpu = time.perf_counter(), _cpu()
        assert client.post(f"/televersement/envois/{s['id']}/terminer", headers=h).status_code == 202
        request = time.perf_counter() - start, _cpu() - cpu
        start, cpu = time.perf_counter(), _cpu()
        engine = make_engine(settings)
        job = run_one(engine, stockage.espaces(settings), settings=settings)
        engine.dispose()
        assembly = time.perf_counter() - start, _cpu() - cpu
        state = client.get(f"/televersement/envois/{s['id']}", headers=h).json()
        assert job is not None and state["assemblage"]["statut"] == "terminee", state
    mo = size / 1024 / 1024
    return (
        f"{mo:.0f} Mo envoyés en {sent:.2f} s ({mo / sent:.0f} Mo/s) ; « terminer » : requête "
        f"{request[0] * 1000:.0f} ms (processeur {request[1] * 1000:.0f} ms), assemblage en tâche de fond "
        f"{assembly[0]:.2f} s (processeur {assembly[1]:.2f} s)"
    )


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
        print(f"charge : {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        with serve_in_thread(settings) as base:
            print("dossier local :", _upload(base, data, size, "53", settings))
        with s3_server() as endpoint:
            # its own database: the worker there claims this assembly, not the first run's waiting import
            url2 = f"duckdb:///{folder / 'base-s3.duckdb'}"
            assert CliRunner().invoke(cli, ["db", "init"], env={"DATAETAT_DATABASE_URL": url2}).exit_code == 0
            s3 = s3_settings(settings.model_copy(update={"database_url": url2}), endpoint)
            with serve_in_thread(s3) as base:  # another feed: the first import waits
                print("S3 (moto)     :", _upload(base, data, size, "52", s3))
        print(f"charge : {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
