"""DECP validation benchmark: a generated file of N valid marchés (`dataetat.decp.generateur`)
validated by `dataetat valider decp` in a subprocess, timed, with its peak memory (max RSS).

    python bench/decp_validation_bench.py [--enregistrements 100000] [--xml]

The file is generated once into bench/out/ (kept between runs). The processor time (user + system)
of the command is printed too: on a machine shared with other work it is what an idle machine's
wall-clock time would be."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enregistrements", type=int, default=100_000)
    args = parser.parse_args()
    from dataetat.decp import generateur

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"decp-{args.enregistrements}.json"
    if not path.exists():
        t = time.perf_counter()
        generateur.ecrire_json(path, args.enregistrements)
        print(
            f"fichier généré en {time.perf_counter() - t:.1f} s : {path} ({path.stat().st_size / 1e6:.0f} Mo)"
        )
    dataetat = Path(sys.executable).with_name("dataetat")
    t = time.perf_counter()
    done = subprocess.run([str(dataetat), "valider", "decp", str(path)], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    print(done.stdout.strip())
    print(
        f"{args.enregistrements} enregistrements validés en {seconds:.2f} s "
        f"({args.enregistrements / seconds:,.0f}/s), temps processeur {cpu:.2f} s, pic mémoire {peak_mb:.0f} Mo, "
        f"code de sortie {done.returncode}, charge {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
