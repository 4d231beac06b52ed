"""Resumable uploads (page « Charger les données »): an upload session receives an AE + CP pair
in chunks; a wrong offset answers the expected one, a chunk sent twice changes nothing, a chunk of
the wrong length stores nothing; the session is its owner's, CSRF-protected, expires and its
chunks are swept; « un import est déjà prévu » while an import of the same feed waits; on both
databases, with the store in a local folder."""

import hashlib
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import ae_row, cp_row, write_ae, write_cp

from dataetat.jobs import envois
from dataetat.jobs.execution import run_one, run_pending
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER

MORCEAU = 4096  # bytes: envoi_morceau_mo below


@pytest.fixture
def app_settings(settings, engine, tmp_path):
    return settings.model_copy(
        update={
            "dossier_televersements": tmp_path / "televersements",
            "taches_dans_le_serveur": False,
            "envoi_morceau_mo": MORCEAU / 1024 / 1024,
        }
    )


@pytest.fixture
def pair(tmp_path):
    ae = write_ae(tmp_path / "AE 2023.csv", [ae_row(str(i), 1, f"{i}00") for i in range(1, 60)])
    cp = write_cp(tmp_path / "CP 2023.csv", [cp_row("1", 1, "7", "40"), cp_row("2", 1, "8", "50")])
    return ae.read_bytes(), cp.read_bytes()


def _token(client) -> str:
    page = client.get("/televersement")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _start(client, headers, ae: bytes, cp: bytes, **choices):
    body = {
        "annee": "2023",
        "region": "53",
        "fichiers": [
            {"champ": "ae", "nom": "AE 2023.csv", "taille": len(ae)},
            {"champ": "cp", "nom": "CP 2023.csv", "taille": len(cp)},
        ],
    } | choices
    return client.post("/televersement/envois", json=body, headers=headers)


def _put(client, headers, sid, champ, data: bytes, offset: int):
    return client.put(
        f"/televersement/envois/{sid}/{champ}",
        content=data[offset : offset + MORCEAU],
        headers=headers | {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"},
    )


def test_chunks_resume_at_the_received_offset_and_become_an_import(app_settings, engine, pair):
    ae, cp = pair
    assert len(ae) > 2 * MORCEAU
    with TestClient(create_app(app_settings)) as client:
        headers = {csrf.HEADER: _token(client)}
        assert _start(client, {}, ae, cp).status_code == 403  # no token, no session
        started = _start(client, headers, ae, cp)
        assert started.status_code == 201, started.text
        sid = started.json()["id"]
        assert started.json()["morceau"] == MORCEAU and started.headers["location"].endswith(sid)
        assert _put(client, {}, sid, "ae", ae, 0).status_code == 403
        ahead = _put(client, headers, sid, "ae", ae, MORCEAU)  # the first chunk never arrived
        assert (
            ahead.status_code == 409
            and ahead.json()["attendu"] == 0
            and ahead.headers["upload-offset"] == "0"
        )
        altered = _put(client, headers | {"X-Empreinte-Morceau": "0" * 64}, sid, "ae", ae, 0)
        assert altered.status_code == 400 and altered.json()["erreur"]["code"] == "morceau-altere"
        digest = hashlib.sha256(ae[:MORCEAU]).hexdigest()
        first = _put(client, headers | {"X-Empreinte-Morceau": digest}, sid, "ae", ae, 0)
        assert first.status_code == 200 and first.json()["recu"] == MORCEAU
        again = _put(client, headers, sid, "ae", ae, 0)  # its answer was lost: sent again
        assert again.status_code == 200 and again.json()["recu"] == MORCEAU
        short = client.put(
            f"/televersement/envois/{sid}/ae",
            content=ae[MORCEAU : MORCEAU + 100],
            headers=headers | {"Upload-Offset": str(MORCEAU)},
        )
        assert short.status_code == 400 and short.json()["erreur"]["code"] == "morceau-incomplet"
        assert client.get(f"/televersement/envois/{sid}").json()["fichiers"][0]["recu"] == MORCEAU
        early = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        assert early.status_code == 409 and early.json()["erreur"]["code"] == "envoi-incomplet"
        for champ, data in (("ae", ae), ("cp", cp)):
            offset = client.get(f"/televersement/envois/{sid}").json()["fichiers"][champ == "cp"]["recu"]
            while offset < len(data):
                answer = _put(client, headers, sid, champ, data, offset)
                assert answer.status_code == 200, answer.text
                offset = answer.json()["recu"]
        done = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        # answered at once: the assembly is a background job, the session says how it goes
        assert done.status_code == 202, done.text
        assert done.headers["location"] == f"/televersement/envois/{sid}" == done.json()["statut"]
        assembly = done.json()["assemblage"]
        assert assembly["statut"] == taches.EN_ATTENTE and done.json()["lien"] is None
        assert assembly["total"] == len(ae) + len(cp)
        # retried (its answer lost): the same assembly, not a second one
        again = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        assert again.status_code == 202 and again.json()["assemblage"]["tache"] == assembly["tache"]
        assert client.get(f"/televersement/envois/{sid}").json()["assemblage"]["tache"] == assembly["tache"]
        # the same feed meanwhile: « un import est déjà prévu » (the assembly will queue it)
        waiting = _start(client, headers, ae, cp)
        assert waiting.status_code == 409 and "assemblage" in waiting.json()["erreur"]["message"]
        assembled = run_one(engine, client.app.state.stockage)  # a worker: the assembly only
        assert assembled.id == assembly["tache"]
        state = client.get(f"/televersement/envois/{sid}")
        assert state.status_code == 200
        job_id = state.json()["tache"]
        assert state.json()["lien"] == f"/televersement/{job_id}"
        assert state.json()["assemblage"]["statut"] == taches.TERMINEE
        assert state.json()["assemblage"]["progression"] == len(ae) + len(cp)
        # the chunks are gone once the import is queued; « terminer » again answers the import
        store = client.app.state.stockage.televersements
        assert [e.cle for e in store.entries(envois.PREFIX) if "/ae/" in e.cle or "/cp/" in e.cle] == []
        retried = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        assert retried.status_code == 200 and retried.json()["tache"] == job_id
        assert state.json()["fichiers"][1]["recu"] == len(cp)
        with engine.connect() as conn:
            job = taches.get(conn, job_id, DEVELOPMENT_USER)
        sent = {f["champ"]: f["sha256"] for f in job.parametres["fichiers"]}
        assert sent == {"ae": hashlib.sha256(ae).hexdigest(), "cp": hashlib.sha256(cp).hexdigest()}
        # the same feed again while this one waits: « un import est déjà prévu »
        planned = _start(client, headers, ae, cp)
        assert (
            planned.status_code == 409 and "Un import est déjà prévu" in planned.json()["erreur"]["message"]
        )
        assert f"import n° {job_id}" in planned.json()["erreur"]["message"]
        assert _start(client, headers, ae, cp, annee="2022", region="52").status_code == 201  # another feed
        assert run_pending(engine, client.app.state.stockage) == 1
        with engine.connect() as conn:
            job = taches.get(conn, job_id, DEVELOPMENT_USER)
            assert job.statut == taches.TERMINEE and job.resultat["importe"], job
            assert conn.execute(sa.text("select count(*) from ligne")).scalar() == 59
        assert not list((app_settings.dossier_televersements).glob(f"envoi-{sid}/*"))


def test_sessions_are_private_checked_and_expire(app_settings, engine, pair):
    ae, cp = pair
    with TestClient(create_app(app_settings)) as client:
        headers = {csrf.HEADER: _token(client)}
        bad = client.post("/televersement/envois", json={"region": "53", "fichiers": []}, headers=headers)
        assert bad.status_code == 400 and "au moins un fichier" in bad.json()["erreur"]["message"]
        huge = _start(client, headers, b"x" * 10, cp)
        huge_body = {"region": "53", "fichiers": [{"champ": "ae", "nom": "a.csv", "taille": 3 * 1024**4}]}
        assert huge.status_code == 201
        too_big = client.post("/televersement/envois", json=huge_body, headers=headers)
        assert too_big.status_code == 400 and "trop volumineux" in too_big.json()["erreur"]["message"]
        sid = huge.json()["id"]
        store = client.app.state.stockage.televersements
        assert envois.load(store, sid, "quelqu-un-d-autre") is None  # only its owner resumes it
        assert client.get(f"/televersement/envois/{'0' * 32}").status_code == 404
        assert client.get("/televersement/envois/..%2F..%2Fetc").status_code == 404
        assert _put(client, headers, sid, "ae", b"x" * 10, 0).json()["recu"] == 10
        assert client.delete(f"/televersement/envois/{sid}", headers=headers).status_code == 204
        assert client.get(f"/televersement/envois/{sid}").status_code == 404
    expiring = app_settings.model_copy(update={"envoi_expiration_heures": 1e-9})
    with TestClient(create_app(expiring)) as client:
        headers = {csrf.HEADER: _token(client)}
        sid = _start(client, headers, ae, cp).json()["id"]
        gone = client.get(f"/televersement/envois/{sid}")
        assert gone.status_code == 410 and "expiré" in gone.json()["erreur"]["message"]
        store = client.app.state.stockage.televersements
        envois_left = [e for e in store.entries(envois.PREFIX)]
        assert envois_left == []  # its chunks removed


def test_sweep_removes_old_sessions_with_their_chunks(tmp_path):
    from dataetat.jobs.execution import tidy
    from dataetat.stockage import Espaces, LocalStore

    store = LocalStore(tmp_path / "t")
    s = envois.create(
        store,
        "agent",
        "53",
        annee=None,
        region="53",
        garder_valides=False,
        fichiers=[envois.Fichier("ae", "a.csv", 10)],
        morceau=4,
    )
    chunk = tmp_path / "c"
    chunk.write_bytes(b"abcd")
    assert envois.put_chunk(store, s, "ae", 0, chunk) == 4
    assert envois.sweep(store, 3600) == []
    assert envois.claim_assembly(store, s) and not envois.claim_assembly(store, s)
    envois.release_assembly(store, s)  # the assembly failed: « terminer » may try again
    assert envois.claim_assembly(store, s)
    tidy(None, Espaces(store, store), 3600)
    assert envois.received(store, s) == {"ae": 4}
    tidy(None, Espaces(store, store), -1)  # a worker's start sweeps expired sessions
    assert not list(store.entries())


def test_a_session_being_assembled_is_not_swept_at_its_expiry(tmp_path):
    """Created two hours ago, « terminer » asked a minute ago: neither the sweep nor the page's
    expiry check removes it while its files are assembled; an hour after that claim, both do."""
    import os
    import time

    from dataetat.stockage import LocalStore

    store = LocalStore(tmp_path / "t")
    fichiers = [envois.Fichier("ae", "a.csv", 4)]
    s = envois.create(
        store, "agent", "53", annee=None, region="53", garder_valides=False, fichiers=fichiers, morceau=4
    )
    chunk = tmp_path / "c"
    chunk.write_bytes(b"abcd")
    envois.put_chunk(store, s, "ae", 0, chunk)
    old = time.time() - 7200
    s.cree = old
    envois.save(store, s)
    for path in (tmp_path / "t").rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    assert envois.expired(store, s, 3600)  # unfinished for two hours
    assert envois.claim_assembly(store, s)  # « terminer »: now
    assert not envois.expired(store, s, 3600)
    assert envois.sweep(store, 3600) == []
    assert envois.received(store, s) == {"ae": 4}
    later = time.time() + 3601
    assert envois.expired(store, s, 3600, now=later)
    assert envois.sweep(store, 3600, now=later) == [s.id]
    assert not list(store.entries())


def test_polling_a_session_being_assembled_lists_no_object(app_settings, engine, pair, monkeypatch):
    """The page asks for the assembly's state again and again: neither the expiry check nor the
    answer lists the session's objects (every chunk, on S3 a paged LIST). Past the expiry counted
    from the creation, the claim's marker is read instead (it holds the claim's time); a marker of
    an earlier version (« 1 ») is still dated by the listing."""
    import time

    from dataetat.stockage import LocalStore

    ae, cp = pair
    with TestClient(create_app(app_settings)) as client:
        headers = {csrf.HEADER: _token(client)}
        sid = _start(client, headers, ae, cp).json()["id"]
        for champ, data in (("ae", ae), ("cp", cp)):
            for offset in range(0, len(data), MORCEAU):
                assert _put(client, headers, sid, champ, data, offset).status_code == 200
        assert client.post(f"/televersement/envois/{sid}/terminer", headers=headers).status_code == 202
        store = client.app.state.stockage.televersements
        s = envois.load(store, sid, DEVELOPMENT_USER)
        listed, entries = [], LocalStore.entries
        monkeypatch.setattr(LocalStore, "entries", lambda self, p="": listed.append(p) or entries(self, p))
        for _ in range(3):
            assert (
                client.get(f"/televersement/envois/{sid}").json()["assemblage"]["statut"] == taches.EN_ATTENTE
            )
        s.cree = time.time() - 2 * 86400  # created two days ago, « terminer » just now
        envois.save(store, s)
        for _ in range(3):
            assert (
                client.get(f"/televersement/envois/{sid}").json()["assemblage"]["statut"] == taches.EN_ATTENTE
            )
        assert listed == []
        assert envois.expired(store, s, 3600, now=time.time() + 3601) and listed == []
        store.put_bytes(store.key(envois.PREFIX, sid, "assemblage"), b"1")
        assert not envois.expired(store, s, 3600) and listed  # dated by its listing: now


def test_the_schedule_sweeps_expired_sessions(settings, engine, tmp_path):
    """DATAETAT_PLANNING « envois=HH:MM »: once per slot whatever the number of workers, a job any
    worker runs removes the sessions past envoi_expiration_heures (not only at an upload or a start)."""
    import os
    from datetime import datetime, timedelta

    from dataetat.jobs import planning
    from dataetat.stockage import Espaces, LocalStore

    store = LocalStore(tmp_path / "televersements")

    def session():
        s = envois.create(
            store, "agent", "53", annee=None, region="53", garder_valides=False,
            fichiers=[envois.Fichier("ae", "a.csv", 10)], morceau=4,
        )  # fmt: skip
        chunk = tmp_path / "c"
        chunk.write_bytes(b"abcd")
        envois.put_chunk(store, s, "ae", 0, chunk)
        return s

    old, fresh = session(), session()
    two_days_ago = datetime.now().timestamp() - 48 * 3600
    for path in (tmp_path / "televersements").rglob("*"):
        if old.id in path.parts:
            os.utime(path, (two_days_ago, two_days_ago))
    slot = (datetime.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    reglages = settings.model_copy(update={"planning": f"envois={slot:%H:%M}", "envoi_expiration_heures": 24})
    queued = planning.tick(engine, reglages, now=slot + timedelta(minutes=1))
    assert len(queued) == 1
    assert planning.tick(engine, reglages, now=slot + timedelta(minutes=2)) == []  # once per slot
    assert run_pending(engine, Espaces(store, store), settings=reglages) == 1
    with engine.connect() as conn:
        job = taches.latest_of_type(conn, envois.TYPE_MENAGE)
    assert job.id == queued[0] and job.statut == "terminee" and job.resultat == {"envois_effaces": 1}
    assert envois.received(store, fresh) == {"ae": 4}
    assert not [e for e in store.entries(envois.PREFIX) if old.id in e.cle]


def _send_all(client, headers, sid, ae: bytes, cp: bytes) -> None:
    for champ, data in (("ae", ae), ("cp", cp)):
        offset = 0
        while offset < len(data):
            offset = _put(client, headers, sid, champ, data, offset).json()["recu"]


@pytest.fixture(params=["local", "s3"])
def any_store(request, app_settings):
    """The app's settings with the uploads store in a local folder, or in S3 (moto on loopback)."""
    if request.param == "local":
        yield app_settings
        return
    from tests.s3_local import s3_server, s3_settings

    with s3_server() as endpoint:
        yield s3_settings(app_settings, endpoint)


@pytest.mark.parametrize("died_after_queuing", [False, True], ids=["mid-assembly", "after-queuing"])
def test_a_worker_killed_during_the_assembly_leaves_the_upload_whole(
    any_store, engine, pair, died_after_queuing
):
    """The worker assembling dies (no more beat): the chunks are still there, the job is taken back
    when its lease expires and assembles again; had it queued the import already, the next try
    recognises it and queues no second import."""
    from datetime import datetime, timedelta

    from dataetat.jobs import assemblage
    from dataetat.store.taches_schema import tache

    ae, cp = pair
    with TestClient(create_app(any_store)) as client:
        headers = {csrf.HEADER: _token(client)}
        sid = _start(client, headers, ae, cp).json()["id"]
        _send_all(client, headers, sid, ae, cp)
        assert client.post(f"/televersement/envois/{sid}/terminer", headers=headers).status_code == 202
        store = client.app.state.stockage.televersements
        assert (store.local_path("x") is None) == bool(any_store.stockage_url)
        s = envois.load(store, sid, DEVELOPMENT_USER)
        with engine.begin() as conn:
            dying = taches.claim(conn, "hote-arrete:4242")
        assert dying.type == assemblage.TYPE
        if died_after_queuing:  # import queued and named, chunks not yet removed
            assemblage._assemble_and_queue(engine, store, s, None, None)
        else:  # half the work: the AE file assembled, then killed
            store.concat(
                [f"{store.key(envois.PREFIX, sid, 'ae')}/000000"], envois.folder_of(store, s) + "/ae/x"
            )
        assert envois.complete(store, s)  # nothing lost
        state = client.get(f"/televersement/envois/{sid}").json()
        assert state["lien"] is None and state["assemblage"]["statut"] == taches.EN_COURS
        # its lease expired (no beat since): another worker takes it back, assembles, then imports
        with engine.begin() as conn:
            conn.execute(tache.update().where(tache.c.id == dying.id).values(battement=datetime(2000, 1, 1)))
        assert run_pending(engine, client.app.state.stockage, lease=timedelta(seconds=30)) == 2
        state = client.get(f"/televersement/envois/{sid}").json()
        assert state["assemblage"]["statut"] == taches.TERMINEE and state["lien"]
        chunks = [e for e in store.entries(envois.PREFIX) if f"{sid}/ae/" in e.cle or f"{sid}/cp/" in e.cle]
        assert chunks == []  # removed once the import was queued
    with engine.connect() as conn:
        imports = conn.execute(sa.text("select id, statut from tache where type = 'import'")).all()
        assert [tuple(r) for r in imports] == [(state["tache"], taches.TERMINEE)]
        assert conn.execute(sa.text("select count(*) from ligne")).scalar() == 59
        assembly = taches.get(conn, state["assemblage"]["tache"], DEVELOPMENT_USER)
        assert assembly.tentatives == 2


def test_an_assembly_whose_workers_keep_dying_fails_and_may_be_asked_again(app_settings, engine, pair):
    """After `taches_essais_max` interrupted tries the assembly fails in French; its partial files
    go, the chunks stay, and « terminer » queues a new assembly that imports."""
    from datetime import datetime, timedelta

    from dataetat.store.taches_schema import tache

    ae, cp = pair
    with TestClient(create_app(app_settings)) as client:
        headers = {csrf.HEADER: _token(client)}
        sid = _start(client, headers, ae, cp).json()["id"]
        _send_all(client, headers, sid, ae, cp)
        first = client.post(f"/televersement/envois/{sid}/terminer", headers=headers).json()["assemblage"]
        store = client.app.state.stockage.televersements
        with engine.begin() as conn:
            taches.claim(conn, "hote-arrete:1")
            conn.execute(
                tache.update().where(tache.c.id == first["tache"]).values(battement=datetime(2000, 1, 1))
            )
        store.put_bytes(store.key(f"envoi-{sid}", "ae", "partiel"), b"x")
        assert run_pending(engine, client.app.state.stockage, lease=timedelta(seconds=30), tries=1) == 0
        state = client.get(f"/televersement/envois/{sid}").json()
        assert (
            state["assemblage"]["statut"] == taches.ECHEC
            and "Interrompue 1 fois" in state["assemblage"]["erreur"]
        )
        assert [f["recu"] for f in state["fichiers"]] == [len(ae), len(cp)]  # the chunks stay
        assert not store.exists(store.key(f"envoi-{sid}", "ae", "partiel"))
        again = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        assert again.status_code == 202 and again.json()["assemblage"]["tache"] != first["tache"]
        assert run_pending(engine, client.app.state.stockage) == 2
        assert client.get(f"/televersement/envois/{sid}").json()["lien"]
