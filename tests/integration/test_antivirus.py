"""ClamAV scanning of uploads (issue 16 §5): a real clamd (Debian's clamav-daemon) started by the test
with its own configuration in a temporary folder — a Unix socket and a TCP port on loopback, and a
signature database holding only a custom signature (tests/data/antivirus/test.ndb, for a test
string; no virus definitions downloaded). A clean file goes through the upload page, a « signed »
one is refused in French (file and signature named), nothing stored nor imported; clamd unreachable
or a stream beyond its limit: refused (fail-closed). Skipped without clamd, except on CI. Both
databases."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import TEST_DATA
from tests.factories import ae_row, write_ae

from dataetat.antivirus import Antivirus, AntivirusIndisponible
from dataetat.jobs.execution import run_one
from dataetat.store.taches_schema import tache
from dataetat.web import csrf
from dataetat.web.app import create_app

SIGNATURE_DB = TEST_DATA / "antivirus" / "test.ndb"
SIGNED = b"DATAETAT-TEST-SIGNATURE-1f3c"  # the string test.ndb describes (hex)
FOUND = "DataEtat.Test.Signature.UNOFFICIAL"  # clamd's name for a signature of a custom database
LIMIT = 1024 * 1024  # StreamMaxLength of the test's clamd


def _clamd_binary() -> str:
    found = shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if os.access(p, os.X_OK)), None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("clamd est requis sur CI (apt-get install clamav-daemon).")
        pytest.skip("clamd absent (apt-get install clamav-daemon)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """clamd on a Unix socket and a loopback TCP port; yields (socket path, "127.0.0.1:port")."""
    binary = _clamd_binary()
    home = Path(tmp_path_factory.mktemp("clamd"))
    (home / "db").mkdir()
    shutil.copy(SIGNATURE_DB, home / "db" / "test.ndb")
    sock, port = home / "clamd.sock", _free_port()
    config = home / "clamd.conf"
    config.write_text(
        "\n".join(
            (
                "Foreground yes",
                f"LocalSocket {sock}",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"DatabaseDirectory {home / 'db'}",
                f"LogFile {home / 'clamd.log'}",
                f"PidFile {home / 'clamd.pid'}",
                f"TemporaryDirectory {home}",
                f"StreamMaxLength {LIMIT}",
                "SelfCheck 0",
            )
        )
        + "\n"
    )
    process = subprocess.Popen(
        [binary, f"--config-file={config}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists():
            assert process.poll() is None, process.stderr.read().decode(errors="replace")
            assert time.monotonic() < deadline, "clamd ne démarre pas"
            time.sleep(0.05)
        yield str(sock), f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode is not None


def test_clamd_over_unix_socket_and_tcp(clamd):
    for adresse in clamd:
        antivirus = Antivirus(adresse, delai_s=10)
        assert antivirus.scan([b"n_ej;montant\n" * 1000]) is None
        assert antivirus.scan([b"a" * 100, b"xx " + SIGNED + b" yy"]) == FOUND
    with pytest.raises(AntivirusIndisponible, match="limite StreamMaxLength"):
        Antivirus(clamd[0]).scan([b"a" * (LIMIT + 1)])


@pytest.fixture
def app_settings(settings, engine, tmp_path, clamd):
    return settings.model_copy(
        update={
            "dossier_televersements": tmp_path / "televersements",
            "taches_dans_le_serveur": False,
            "clamav": clamd[1],
            "clamav_delai_s": 10,
        }
    )


def _post(client: TestClient, name: str, content: bytes):
    page = client.get("/televersement")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/televersement",
        data={csrf.FIELD: token, "region": "53", "annee": "2023"},
        files={"fichier_ae": (name, content, "text/csv")},
        follow_redirects=False,
    )


def _jobs(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tache)).scalar_one()


def _stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_clean_file_goes_through_a_signed_one_is_refused(app_settings, engine, tmp_path):
    clean = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")]).read_bytes()
    uploads = app_settings.dossier_televersements
    with TestClient(create_app(app_settings)) as client:
        signed = _post(client, "engagements piégés.csv", clean + b"\n" + SIGNED + b"\n")
        assert signed.status_code == 422
        text = " ".join(signed.text.split())
        assert "Fichier « engagements piégés.csv » refusé" in text and FOUND in text, text[-3000:]
        assert _jobs(engine) == 0 and not _stored(uploads)

        accepted = _post(client, "ae.csv", clean)
        assert accepted.status_code == 303, accepted.text
        assert _jobs(engine) == 1 and len(_stored(uploads)) == 1


def test_unreachable_clamd_refuses_the_upload(app_settings, engine, tmp_path):
    clean = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")]).read_bytes()
    for adresse in (str(tmp_path / "absent.sock"), f"127.0.0.1:{_free_port()}"):
        with TestClient(create_app(app_settings.model_copy(update={"clamav": adresse}))) as client:
            refused = _post(client, "ae.csv", clean)
            assert refused.status_code == 503
            assert "Analyse antivirus impossible" in refused.text and "le fichier est refusé" in refused.text
    assert _jobs(engine) == 0 and not _stored(app_settings.dossier_televersements)


def _resumable(client: TestClient, content: bytes) -> tuple[dict, str]:
    """An upload session of one AE file, its one chunk sent: (headers with the token, session id)."""
    page = client.get("/televersement")
    headers = {csrf.HEADER: re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}
    body = {
        "annee": "2023",
        "region": "53",
        "fichiers": [{"champ": "ae", "nom": "AE.csv", "taille": len(content)}],
    }
    started = client.post("/televersement/envois", json=body, headers=headers)
    assert started.status_code == 201, started.text
    sid = started.json()["id"]
    put_headers = headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    put = client.put(f"/televersement/envois/{sid}/ae", content=content, headers=put_headers)
    assert put.is_success, put.text
    return headers, sid


def _imports(engine) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(tache).where(tache.c.type == "import")
        return conn.execute(query).scalar_one()


def _assembled(client: TestClient, engine, settings, headers: dict, sid: str) -> dict:
    """« terminer » (202 at once), the background assembly run by a worker: the session's state."""
    done = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
    assert done.status_code == 202, done.text
    assert run_one(engine, client.app.state.stockage, settings=settings) is not None
    return client.get(f"/televersement/envois/{sid}").json()


def test_a_resumable_upload_is_scanned_before_its_import_is_queued(app_settings, engine, tmp_path):
    signed = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")]).read_bytes() + SIGNED + b"\n"
    with TestClient(create_app(app_settings)) as client:
        headers, sid = _resumable(client, signed)
        state = _assembled(client, engine, app_settings, headers, sid)
        assert state["tache"] is None and state["assemblage"]["statut"] == "echec"
        assert FOUND in state["assemblage"]["erreur"] and "« AE.csv »" in state["assemblage"]["erreur"]
        assert state["fichiers"][0]["recu"] == 0  # its chunks removed
        again = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
        assert again.status_code == 409 and again.json()["erreur"]["code"] == "envoi-incomplet"
    assert _imports(engine) == 0
    # neither chunk nor assembled file: only the session, saying why, until it expires
    assert {p.name for p in _stored(app_settings.dossier_televersements)} <= {"session.json", "assemblage"}


def test_a_resumable_upload_without_verdict_keeps_its_chunks_for_another_try(app_settings, engine, tmp_path):
    clean = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")]).read_bytes()
    down = app_settings.model_copy(update={"clamav": str(tmp_path / "absent.sock")})
    with TestClient(create_app(down)) as client:
        headers, sid = _resumable(client, clean)
        state = _assembled(client, engine, down, headers, sid)
        assert (
            state["assemblage"]["statut"] == "echec" and "antivirus" in state["assemblage"]["erreur"].lower()
        )
        assert state["fichiers"][0]["recu"] == len(clean) and _imports(engine) == 0
        state = _assembled(client, engine, app_settings, headers, sid)  # clamd back: tried again
        assert state["tache"] is not None and state["lien"] == f"/televersement/{state['tache']}"
    assert _imports(engine) == 1
