"""Figures of the cluster (issue 16, closing note), on the hosts of tests/cluster/grappe.py (network
namespaces on this machine, root): searches per second through haproxy with 2 and with 1 app server
on the same data, the replica's lag during a big import, and the time for a job to be taken over
after its worker is killed. A benchmark, not a test: it prints the numbers.

    .venv/bin/python bench/cluster_bench.py [--lignes 60000] [--lignes-import 1000000] [--secondes 20]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cluster.grappe import LEASE, Grappe, until  # noqa: E402
from tests.cluster.scenarios import SEARCH, login  # noqa: E402


def searches_per_second(g: Grappe, cookies: dict[str, str], seconds: float, clients: int = 8) -> float:
    done, stop, lock = [0], threading.Event(), threading.Lock()

    def client() -> None:
        with g.http(cookies=cookies) as lb:
            while not stop.is_set():
                if lb.get("/api/v1/lignes", params=SEARCH).status_code == 200:
                    with lock:
                        done[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(2)  # warm up (pools, caches)
    with lock:
        start_count, started = done[0], time.monotonic()
    time.sleep(seconds)
    with lock:
        count, elapsed = done[0] - start_count, time.monotonic() - started
    stop.set()
    for t in threads:
        t.join(60)
    return count / elapsed


def replica_lag_during_import(g: Grappe, lignes: int) -> tuple[float, int, float]:
    """(seconds of the import, max lag in bytes, max replay lag in seconds) sampled every 0.5 s."""
    from dataetat.demo.generator import generate

    files = generate(lignes, g.folder / "gros", exercices=(2020, 2021), seed=7)
    samples, stop = [], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                samples.append(
                    (
                        g.sql(
                            "pg1",
                            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication",
                        ),
                        g.sql("pg1", "SELECT EXTRACT(EPOCH FROM replay_lag) FROM pg_stat_replication"),
                    )
                )
            except Exception:  # noqa: BLE001 - a missed sample
                pass
            time.sleep(0.5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        g.dataetat("import", "chorus", *map(str, files.ae + files.cp), "--region", "53", timeout=3600)
    finally:
        took = time.monotonic() - started
        time.sleep(2)
        stop.set()
        sampler.join(30)
    return took, max(int(b or 0) for b, _ in samples), max(float(s or 0) for _, s in samples)


def takeover(g: Grappe, lb) -> float:
    job_id = lb.post("/api/v1/exports/lignes.xlsx", params={"annee": "2022,2023"}).json()["id"]
    executant = until(
        lambda: g.sql("pg1", "SELECT executant FROM tache WHERE id = :i AND statut = 'en-cours'", i=job_id), 120,
        "aucun worker ne prend l'export", 0.02,
    )  # fmt: skip
    pid = int(executant.rsplit(":", 1)[1])
    victim = next(name for name, proc in g.procs.items() if proc.pid == pid)
    g.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    until(lambda: g.sql("pg1", "SELECT tentatives > 1 FROM tache WHERE id = :i AND statut <> 'en-attente'", i=job_id),
          LEASE + 120, "l'export n'est pas repris", 0.02)  # fmt: skip
    return time.monotonic() - killed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lignes", type=int, default=60_000)
    parser.add_argument("--lignes-import", type=int, default=1_000_000)
    parser.add_argument("--secondes", type=float, default=20)
    args = parser.parse_args()
    with Grappe.built(lignes=args.lignes) as g:
        with g.http() as lb:
            assert login(lb) == 303
            cookies = {c.name: c.value for c in lb.cookies.jar}
            print(
                f"reprise d'une tâche après kill -9 de son worker : {takeover(g, lb):.1f} s (bail {LEASE} s)"
            )
            two = searches_per_second(g, cookies, args.secondes)
            g.kill("app2", signal.SIGKILL)
            time.sleep(3)  # haproxy's check marks it down
            one = searches_per_second(g, cookies, args.secondes)
            print(
                f"recherches/s par haproxy : 2 serveurs {two:.1f}, 1 serveur {one:.1f}, rapport {two / one:.2f}"
            )
            g.start_app("app2")
            took, lag_bytes, lag_s = replica_lag_during_import(g, args.lignes_import)
            print(
                f"import de {args.lignes_import} lignes en {took:.0f} s : retard max de la réplique "
                f"{lag_bytes / 1e6:.1f} Mo de WAL, {lag_s:.2f} s (replay_lag)"
            )


if __name__ == "__main__":
    main()
