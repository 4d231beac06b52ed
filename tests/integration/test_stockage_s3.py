"""Uploads and exports in an S3-compatible object store: the store's contract (on the local folder
and on a local S3 server, moto's server mode over real HTTP), then the export jobs, the downloads
and the upload page's imports with `DATAETAT_STOCKAGE_URL=s3://…`, on both databases."""

import hashlib
import logging
import os
import re
import time

import pytest
from fastapi.testclient import TestClient
from tests.factories import ae_row, write_ae
from tests.s3_local import SECRET, objects, s3_server, s3_settings

from dataetat import stockage
from dataetat.jobs.execution import run_pending
from dataetat.settings import Settings
from dataetat.stockage.s3 import MIN_PART, parse_url
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER

BAD = os.path.join(os.path.dirname(__file__), "..", "data", "chorus", "ae_montants_dates_invalides.csv")


@pytest.fixture(scope="module")
def endpoint():
    with s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def store(request, endpoint, tmp_path):
    """The store alone (no database): the local folder, and a bucket of the local S3 server."""
    if request.param == "local":
        return stockage.LocalStore(tmp_path / "magasin")
    return stockage.espaces(s3_settings(Settings(), endpoint)).exports


def _bucket(settings) -> str:
    return parse_url(settings.stockage_url)[0]


def test_store_contract(store, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"abc" * 1000)
    key = store.key("envoi-1", "ae", "fichier.csv")
    assert not store.exists(key) and store.size(key) is None
    store.put(key, source)
    assert store.size(key) == 3000 and b"".join(store.iter(key, 512)) == source.read_bytes()
    with store.materialise(key) as path:
        assert path.read_bytes() == source.read_bytes()
    assert store.create(store.key("envoi-1", "confirme"), b"1")
    assert not store.create(store.key("envoi-1", "confirme"), b"2")  # only once, whoever asks
    assert store.read_bytes(store.key("envoi-1", "confirme")) == b"1"
    store.put_bytes(store.key("envoi-2", "x"), b"x")
    assert sorted(e.cle.rsplit("/", 1)[-1] for e in store.entries()) == ["confirme", "fichier.csv", "x"]
    store.delete_prefix(store.key("envoi-1"))
    assert not store.exists(key) and store.exists(store.key("envoi-2", "x"))
    assert store.sweep("", 3600) == []  # nothing old
    assert len(store.sweep("", -1)) == 1 and not list(store.entries())
    with pytest.raises(stockage.Introuvable):
        list(store.iter(key))
    assert store.reachable()
    assert stockage.Espaces(store, store).reachable()


def test_concat_of_chunks(store):
    # Chunks of an upload: S3 assembles them server side when they are large enough, else here.
    big = [os.urandom(MIN_PART), os.urandom(MIN_PART), b"fin"]
    small = [b"un", b"deux", b"trois"]
    for name, parts in (("gros", big), ("petit", small)):
        keys = [store.key("session", name, f"{i:06d}") for i in range(len(parts))]
        for k, data in zip(keys, parts, strict=True):
            store.put_bytes(k, data)
        store.concat(keys, store.key("session", name, "fichier"))
        assembled = b"".join(store.iter(store.key("session", name, "fichier")))
        assert hashlib.sha256(assembled).digest() == hashlib.sha256(b"".join(parts)).digest()


def test_unreachable_store_says_so_and_hides_its_secret(endpoint, caplog):
    gone = s3_settings(Settings(), endpoint).model_copy(
        update={"stockage_s3_endpoint": "http://127.0.0.1:9", "stockage_s3_delai_s": 0.5}
    )
    store = stockage.espaces(gone).exports
    with caplog.at_level(logging.DEBUG):
        assert store.reachable() is False
        assert stockage.espaces(gone).reachable() is False
    assert SECRET not in caplog.text and SECRET not in repr(store)
    with pytest.raises(ValueError, match="jamais dans l'adresse"):
        parse_url("s3://cle:secret@seau/x")


def test_export_job_goes_to_the_bucket_and_streams_back(settings, engine, endpoint, tmp_path):
    rows = [ae_row(str(i), 1, f"{10 * i}") for i in range(1, 6)]
    from dataetat.store.chorus_import import ImportOptions, import_chorus

    assert import_chorus(
        engine, [write_ae(tmp_path / "ae.csv", rows, exercice=2023)], ImportOptions(region="53")
    ).written
    s3 = s3_settings(settings, endpoint, taches_dans_le_serveur=False)
    with TestClient(create_app(s3)) as api:
        queued = api.post("/api/v1/exports/lignes.csv")
        assert queued.status_code == 202
        assert run_pending(engine, api.app.state.stockage) == 1
        job = api.get(queued.headers["Location"]).json()
        assert job["statut"] == taches.TERMINEE, job
        stored = objects(endpoint, _bucket(s3), "instance-a/exports/")
        assert list(stored) == [f"instance-a/exports/export-{job['id']}.csv"]
        assert not settings.dossier_exports.exists() or not any(settings.dossier_exports.iterdir())
        content = api.get(job["lien"])
        assert content.status_code == 200 and content.content == next(iter(stored.values()))
        assert content.headers["content-length"] == str(job["resultat"]["taille"])
        assert "attachment" in content.headers["content-disposition"]
        assert api.delete(f"/api/v1/exports/{job['id']}").status_code == 204
        assert objects(endpoint, _bucket(s3), "instance-a/exports/") == {}


def _token(client) -> str:
    page = client.get("/televersement")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_uploaded_files_wait_in_the_bucket_then_are_imported(settings, engine, endpoint, tmp_path):
    s3 = s3_settings(
        settings, endpoint, taches_dans_le_serveur=False, dossier_televersements=tmp_path / "televersements"
    )
    with TestClient(create_app(s3)) as client:
        data = {csrf.FIELD: _token(client), "region": "53", "garder_valides": "oui"}
        sent = {"fichier_ae": ("mes engagements.csv", open(BAD, "rb").read(), "text/csv")}
        response = client.post("/televersement", data=data, files=sent, follow_redirects=False)
        assert response.status_code == 303, response.text
        job_id = int(response.headers["location"].rsplit("/", 1)[1])
        waiting = objects(endpoint, _bucket(s3), "instance-a/televersements/")
        assert [k.rsplit("/", 2)[1:] for k in waiting] == [["ae", "mes engagements.csv"]]
        assert not (tmp_path / "televersements").exists()  # nothing on this machine
        assert run_pending(engine, client.app.state.stockage) == 1
        with engine.connect() as conn:
            job = taches.get(conn, job_id, DEVELOPMENT_USER)
        assert job.statut == taches.TERMINEE and job.resultat["importe"], job
        left = objects(endpoint, _bucket(s3), "instance-a/televersements/")
        assert [k.rsplit("/", 1)[1] for k in left] == ["lignes-ecartees.csv"]  # the upload is gone
        rejects = client.get(f"/televersement/{job_id}/lignes-ecartees.csv")
        assert rejects.status_code == 200 and rejects.content == next(iter(left.values()))


def test_worker_sweeps_old_uploads_of_the_bucket(endpoint):
    s3 = s3_settings(Settings(), endpoint)
    espaces = stockage.espaces(s3)
    espaces.televersements.put_bytes("envoi-vieux/ae/a.csv", b"x")
    from dataetat.jobs.execution import tidy

    tidy(None, espaces)
    assert espaces.televersements.exists("envoi-vieux/ae/a.csv")  # a day not yet passed
    assert espaces.televersements.sweep("", -1, now=time.time()) == ["envoi-vieux/ae/a.csv"]
