"""Read replicas (issue 16 §2) over a real PostgreSQL streaming replica (tests/replication.py: initdb +
pg_basebackup in a temporary folder): searches read from the replica; a user who has just imported
reads their own writes (the replica paused: the search waits a little, then reads the primary); a
stopped replica is skipped, nothing fails. DuckDB has no replicas: the setting is ignored there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.conftest import TEST_SECRET
from tests.factories import ae_row, import_two_regions, write_ae
from tests.replication import streaming_pair

from dataetat.jobs import imports as import_jobs
from dataetat.jobs.execution import run_pending
from dataetat.jobs.import_fichiers import Envoi
from dataetat.settings import Settings
from dataetat.store import database, replicas
from dataetat.store.engine import make_engine
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with streaming_pair() as pair:
        pair.sql("primary", "CREATE DATABASE dataetat")
        engine = make_engine(Settings(database_url=pair.url("primary", "dataetat")))
        database.init(engine)
        import_two_regions(engine, tmp_path_factory.mktemp("donnees"))
        engine.dispose()
        pair.wait_replayed()
        yield pair


@pytest.fixture
def settings_(pair, tmp_path) -> Settings:
    return Settings(
        database_url=pair.url("primary", "dataetat"),
        database_replica_urls=pair.url("replica", "dataetat"),
        replica_attente_s=0.3,
        auth_developpement=True,
        secret_key=TEST_SECRET,
        dossier_exports=tmp_path / "exports",
        dossier_televersements=tmp_path / "televersements",
        taches_dans_le_serveur=False,
    )


def _total(client: TestClient) -> int:
    response = client.get("/api/v1/lignes", params={"colonnes": "n_ej"})
    assert response.status_code == 200, response.text
    return response.json()["total"]["count"]


def test_searches_groupings_and_maps_read_from_the_replica(settings_):
    with TestClient(create_app(settings_)) as client:
        reads = client.app.state.replicas
        assert [_total(client) for _ in range(5)] == [_total(client)] * 5
        assert client.get("/api/v1/lignes", params={"grouping": "programme_code"}).status_code == 200
        assert client.get("/", params={"annee": "2023"}).status_code == 200
        assert reads.served[0] >= 8 and reads.primary_fallbacks == 0
        served = reads.served[0]
        assert client.get("/api/v1/exports").status_code == 200  # jobs: the primary
        assert reads.served[0] == served


def test_a_user_who_just_imported_reads_their_own_import(settings_, pair, tmp_path):
    upload = tmp_path / "televersements" / "envoi-1"
    (upload / "ae").mkdir(parents=True)
    path = write_ae(upload / "ae" / "ae.csv", [ae_row("700", 1, "70"), ae_row("701", 1, "71")], exercice=2021)
    envoi = Envoi(str(path), "ae.csv", "ae", "0" * 64, path.stat().st_size)
    engine = make_engine(settings_)
    with TestClient(create_app(settings_)) as me, TestClient(create_app(settings_)) as other:
        before = _total(me)
        pair.pause_replay()  # the replica stops replaying: it will not have the import
        try:
            with engine.begin() as conn:
                job_id = import_jobs.submit(
                    conn,
                    DEVELOPMENT_USER,
                    None,
                    upload,
                    [envoi],
                    annee=2021,
                    region_fichiers="53",
                    garder_valides=False,
                )
            assert run_pending(engine, settings_.dossier_exports, timedelta(seconds=30)) == 1
            assert me.get(f"/televersement/{job_id}").status_code == 200  # the user sees the import done
            assert _total(other) == before  # someone else reads the replica: not there yet
            fallbacks = me.app.state.replicas.primary_fallbacks
            assert _total(me) == before + 2  # the user: the replica is behind, the primary answers
            assert me.app.state.replicas.primary_fallbacks == fallbacks + 1
        finally:
            pair.resume_replay()
        pair.wait_replayed()
        served = me.app.state.replicas.served[0]
        assert _total(me) == before + 2  # replayed: the replica again
        assert me.app.state.replicas.served[0] == served + 1
    engine.dispose()


def test_a_stopped_replica_is_skipped_and_nothing_fails(settings_, pair, monkeypatch):
    monkeypatch.setattr(replicas, "DOWN_SECONDS", 0.5)
    with TestClient(create_app(settings_)) as client:
        expected = _total(client)
        pair.stop("replica")
        try:
            assert [_total(client) for _ in range(5)] == [expected] * 5  # the primary answers
            assert client.app.state.replicas.primary_fallbacks >= 1
        finally:
            pair.start("replica")
        pair.wait_replayed()
        import time

        time.sleep(0.6)  # the replica's exclusion ends
        served = client.app.state.replicas.served[0]
        assert _total(client) == expected
        assert client.app.state.replicas.served[0] == served + 1


def test_duckdb_has_no_replicas(tmp_path):
    settings = Settings(
        database_url=f"duckdb:///{tmp_path / 'x.duckdb'}",
        database_replica_urls="postgresql+psycopg://x@127.0.0.1:1/y",
    )
    assert replicas.Replicas.of_settings(settings) is None


def test_lsn_order():
    assert replicas.later_lsn("0/3000148", "0/FF") == "0/3000148"
    assert replicas.later_lsn("1/0", "0/FFFFFFFF") == "1/0"
    assert replicas.later_lsn(None, "0/1") == "0/1"
    assert replicas.valid_lsn("pas/un lsn") is None
