"""Observability (issue 16 §5): /metrics (Prometheus, behind its bearer token; route templates, not raw
paths; jobs by status; the pool; import lines; replica lag), the request id (response header, jobs
submitted by the request, the worker's log lines), JSON log lines. Both databases."""

from __future__ import annotations

import json
import logging
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import ae_row, write_ae

from dataetat import journaux, metriques
from dataetat.jobs.execution import run_one
from dataetat.store import taches
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.store.taches_schema import tache
from dataetat.web.app import create_app

JETON = "jeton-des-metriques-" + "x" * 20
AUTH = {"Authorization": f"Bearer {JETON}"}


def _value(text: str, name: str, **labels) -> float | None:
    """The sample `name{labels…}` of a Prometheus text page (labels in any order), or None."""
    for line in text.splitlines():
        sample = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if sample is None or sample.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', sample.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(sample.group(3))
    return None


@pytest.fixture
def client(engine, settings):
    app = create_app(settings.model_copy(update={"metriques_jeton": JETON, "taches_dans_le_serveur": False}))
    with TestClient(app) as client:
        yield client


def test_metrics_need_the_token_and_are_off_without_it(engine, settings, client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer mauvais"}).status_code == 401
    ok = client.get("/metrics", headers=AUTH)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
    with TestClient(create_app(settings)) as off:  # no token set: as an unknown page
        assert off.get("/metrics", headers=AUTH).status_code == 404


def test_request_latency_by_route_template_and_status(client):
    assert client.get("/aide").status_code == 200
    assert client.get("/televersement/987654321").status_code == 404
    assert client.get("/rien/123456789").status_code == 404
    assert client.get("/static/app/app.css").status_code == 200
    text = client.get("/metrics", headers=AUTH).text
    name = "dataetat_http_requete_duree_secondes_count"
    assert _value(text, name, methode="GET", route="/aide", statut="200") >= 1
    assert _value(text, name, methode="GET", route="/televersement/{job_id}", statut="404") >= 1
    assert _value(text, name, methode="GET", route="autre", statut="404") >= 1
    assert _value(text, name, methode="GET", route="/static", statut="200") >= 1
    assert "987654321" not in text and "123456789" not in text  # never a raw path
    assert 'le="0.1"' in text  # a histogram


def test_jobs_by_status_pool_and_replica_lag(client, engine):
    with engine.begin() as conn:
        failed = taches.submit(conn, "import", "quelqu-un@exemple.fr", None, {}, "import")
        assert taches.claim(conn).id == failed  # a job fails while it runs
        assert taches.fail(conn, failed, "raté")
        for _ in range(2):
            taches.submit(conn, "export", "quelqu-un@exemple.fr", None, {}, "export en attente")
    metriques.set_replica_lag("replique-a", 0.25)
    try:
        text = client.get("/metrics", headers=AUTH).text
    finally:
        metriques.set_replica_lag("replique-a", None)
    assert _value(text, "dataetat_taches", type="export", statut="en-attente") == 2
    assert _value(text, "dataetat_taches", type="export", statut="en-cours") == 0
    assert _value(text, "dataetat_taches", type="import", statut="echec") == 1
    assert _value(text, "dataetat_base_connexions_max") == 64
    assert _value(text, "dataetat_base_connexions_utilisees") >= 0
    assert _value(text, "dataetat_replique_retard_secondes", replique="replique-a") == 0.25
    assert "replique-a" not in client.get("/metrics", headers=AUTH).text


def test_imported_lines_are_counted_the_same_by_every_process(client, engine, settings, tmp_path):
    """The import counters are read from the import history: an import written by another process
    (here: the test, on the database) shows in this server's /metrics and in a second server's, the
    same; a refused file counts nothing."""
    assert (
        _value(client.get("/metrics", headers=AUTH).text, "dataetat_import_lignes_total", type="chorus-ae")
        is None
    )
    rows = [ae_row(str(i), 1, "100") for i in range(1, 6)]
    assert import_chorus(engine, [write_ae(tmp_path / "ae.csv", rows)], ImportOptions(region="53")).written
    assert import_chorus(
        engine, [write_ae(tmp_path / "ae2.csv", rows[:3], exercice=2023)], ImportOptions(region="53")
    ).written
    refused = tmp_path / "refuse.csv"
    refused.write_text("pas un fichier Chorus\n", encoding="utf-8")
    assert not import_chorus(engine, [refused], ImportOptions(region="53")).written
    other = create_app(
        settings.model_copy(update={"metriques_jeton": JETON, "taches_dans_le_serveur": False})
    )
    with TestClient(other) as second:
        pages = [c.get("/metrics", headers=AUTH).text for c in (client, second)]
    for page in pages:
        assert _value(page, "dataetat_import_lignes_total", type="chorus-ae") == 8
        assert _value(page, "dataetat_import_fichiers_total", type="chorus-ae") == 2


def test_the_request_id_is_returned_and_travels_into_the_jobs(engine, settings, tmp_path):
    app = create_app(
        settings.model_copy(
            update={"id_requete_entrant": True, "taches_dans_le_serveur": False, "region_developpement": "53"}
        )
    )
    with TestClient(app) as client:
        own = client.get("/aide")
        assert re.fullmatch(r"[0-9a-f]{32}", own.headers["x-request-id"])
        assert client.get("/aide").headers["x-request-id"] != own.headers["x-request-id"]
        kept = client.get("/aide", headers={"X-Request-ID": "proxy-42.a_b"})
        assert kept.headers["x-request-id"] == "proxy-42.a_b"
        refused = client.get("/aide", headers={"X-Request-ID": "a b<script>"})
        assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
        queued = client.post(
            "/api/v1/exports/lignes.csv", params={"annee": "2023"}, headers={"X-Request-ID": "req-export-1"}
        )
        assert queued.status_code == 202, queued.text
    with engine.connect() as conn:
        (parametres,) = conn.execute(sa.select(tache.c.parametres)).scalars().all()
    assert json.loads(parametres)["id_requete"] == "req-export-1"

    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(json.loads(journaux.JsonFormatter().format(record)))
    logger = logging.getLogger("dataetat.jobs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert run_one(engine, tmp_path / "exports") is not None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert lines and all(line["requete"] == "req-export-1" for line in lines), lines
    assert journaux.request_id() is None  # restored after the job


def test_json_log_lines():
    formatter = journaux.JsonFormatter()
    record = logging.LogRecord("dataetat.test", logging.WARNING, __file__, 1, "bonjour %s", ("é",), None)
    with journaux.request_scope("abc"):
        line = json.loads(formatter.format(record))
    assert line["message"] == "bonjour é" and line["niveau"] == "WARNING" and line["requete"] == "abc"
    assert line["journal"] == "dataetat.test" and line["horodatage"].endswith("+00:00")
    assert "requete" not in json.loads(formatter.format(record))
    try:
        raise ValueError("boum")
    except ValueError:
        import sys

        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "raté", (), sys.exc_info())
    assert "ValueError: boum" in json.loads(formatter.format(failed))["exception"]


def test_a_worker_serves_its_own_metrics(settings, engine, tmp_path):
    """`dataetat worker --port-metriques`: the import lines are counted in the process that imports."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    engine.dispose()  # DuckDB: the worker's process opens the file
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {
        "DATAETAT_DATABASE_URL": settings.database_url,
        "DATAETAT_DOSSIER_EXPORTS": str(tmp_path / "exports"),
        "DATAETAT_DOSSIER_TELEVERSEMENTS": str(tmp_path / "televersements"),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "dataetat.cli", "worker", "--port-metriques", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
                break
            except httpx.TransportError:
                assert worker.poll() is None, worker.stdout.read()
                assert time.monotonic() < deadline, "le worker ne sert pas ses métriques"
                time.sleep(0.2)
        assert page.status_code == 200 and "dataetat_import_lignes_total" in page.text
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=20)
    assert worker.returncode is not None


def test_replica_lag_is_asked_to_each_replica(engine, settings):
    """Two « replicas »: the test database itself (not in recovery: no lag) and a closed port. DuckDB
    has no replicas (the setting is ignored): no replica series."""
    if not settings.database_url.startswith("postgresql"):
        app = create_app(settings.model_copy(update={"metriques_jeton": JETON, "database_replica_urls": "x"}))
        with TestClient(app) as client:
            assert "dataetat_replique_joignable{" not in client.get("/metrics", headers=AUTH).text
        return
    dead = (
        sa.engine.make_url(settings.database_url)
        .set(port=_closed_port())
        .render_as_string(hide_password=False)
    )
    app = create_app(
        settings.model_copy(
            update={"metriques_jeton": JETON, "database_replica_urls": f"{settings.database_url},{dead}"}
        )
    )
    try:
        with TestClient(app) as client:
            text = client.get("/metrics", headers=AUTH).text
    finally:
        for name in ("replique-1", "replique-2"):
            metriques.set_replica_lag(name, None)
    assert _value(text, "dataetat_replique_joignable", replique="replique-1") == 1
    assert _value(text, "dataetat_replique_retard_secondes", replique="replique-1") == 0
    assert _value(text, "dataetat_replique_joignable", replique="replique-2") == 0
    assert _value(text, "dataetat_replique_retard_secondes", replique="replique-2") is None
    assert "127.0.0.1" not in text  # replicas are named, never shown by URL


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
