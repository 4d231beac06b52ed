"""kill -9 of a `dataetat worker` in the middle of an uploaded import, on PostgreSQL (server mode):
the next worker, started at once, takes the job back once its lease expired and imports it, once
(the killed try wrote nothing); the upload is removed. (Issue « stuck job »: it stayed « en cours »
11 minutes.)"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import fresh_database_url
from tests.factories import snapshot

from dataetat.demo.generator import generate
from dataetat.ingest.empreinte import sha256_of
from dataetat.jobs import imports as import_jobs
from dataetat.jobs.import_fichiers import Envoi
from dataetat.settings import Settings
from dataetat.store import audit, database, taches
from dataetat.store.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
LEASE = 5


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "DATAETAT_DATABASE_URL": url,
        "DATAETAT_TACHES_BAIL_SECONDES": str(LEASE),
        "DATAETAT_DOSSIER_EXPORTS": str(tmp_path / "exports"),
        "DATAETAT_DOSSIER_TELEVERSEMENTS": str(tmp_path / "televersements"),
    }


def _status(engine, job_id: int) -> taches.Tache:
    with engine.connect() as conn:
        return taches.get(conn, job_id, "comptable")


def test_a_killed_workers_import_is_taken_again_after_the_lease_and_imported_once(tmp_path):
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = make_engine(Settings(database_url=url))
        database.init(engine)
        files = generate(120_000, tmp_path / "gen", exercices=(2023,))
        upload = tmp_path / "televersements" / "envoi-kill"
        (upload / "ae").mkdir(parents=True)
        ae = Path(shutil.copy(files.ae[0], upload / "ae" / files.ae[0].name))
        envoi = Envoi(str(ae), ae.name, "ae", sha256_of(ae), ae.stat().st_size)
        before = snapshot(engine)
        with engine.begin() as conn:
            job_id = import_jobs.submit(
                conn,
                "comptable",
                "53",
                upload,
                [envoi],
                annee=None,
                region_fichiers="53",
                garder_valides=False,
            )
        env = _env(url, tmp_path)
        worker = subprocess.Popen(
            [sys.executable, "-m", "dataetat.cli", "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 120
            while _status(engine, job_id).statut == taches.EN_ATTENTE:
                assert time.monotonic() < deadline, "le worker n'a pas pris la tâche"
                time.sleep(0.1)
            time.sleep(1.0)  # in the middle of reading and checking 120,000 lines
            assert _status(engine, job_id).statut == taches.EN_COURS, "import fini avant le kill"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        assert snapshot(engine) == before  # the killed try wrote nothing
        killed_at = time.monotonic()
        while _status(engine, job_id).statut in (taches.EN_COURS, taches.EN_ATTENTE):  # a new worker, at once
            assert time.monotonic() - killed_at < LEASE + 120, "tâche toujours « en cours »"
            subprocess.run(
                [sys.executable, "-m", "dataetat.cli", "worker", "--une-fois"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=180,
            )
        job = _status(engine, job_id)
        assert job.statut == taches.TERMINEE and job.resultat["importe"] and job.tentatives == 2
        assert time.monotonic() - killed_at >= LEASE - 1  # not before the lease expired
        with engine.connect() as conn:
            events = audit.search(conn, audit.Filtres(action="import"), limit=10)
        assert [(e.resultat, e.details["tache"]) for e in events] == [(audit.OK, job_id)]
        assert snapshot(engine) != before and job.resultat["totaux"]["lignes_importees"] > 0
        assert not upload.exists()
        engine.dispose()
