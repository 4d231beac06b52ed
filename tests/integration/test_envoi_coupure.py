"""A resumable upload survives a cut connection: over a real uvicorn server on loopback, with the
store in a local S3 server (moto), a client sends half a chunk and closes its socket; nothing of
that chunk is kept, the client asks where to resume, finishes, and the imported file is byte for
byte the one sent (sha256); the session's chunks are gone from the bucket. Both databases."""

import hashlib
import re
import socket
import time
from urllib.parse import urlsplit

import httpx
from tests.e2e.browser import running_app
from tests.factories import ae_row, write_ae
from tests.s3_local import objects, s3_server, s3_settings

from dataetat import stockage
from dataetat.jobs.execution import run_pending
from dataetat.store import taches
from dataetat.web import csrf
from dataetat.web.deps import DEVELOPMENT_USER

MORCEAU = 8192


def _cut_mid_chunk(url: str, path: str, cookie: str, token: str, offset: int, chunk: bytes) -> None:
    """Announce a whole chunk, send half of it, close the socket (a préfecture network dropping)."""
    parts = urlsplit(url)
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {csrf.COOKIE}={cookie}\r\n"
        f"{csrf.HEADER}: {token}\r\nUpload-Offset: {offset}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(chunk)}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(head + chunk[: len(chunk) // 2])
        time.sleep(0.2)
    # closed: the server sees the body end early


def test_upload_resumes_after_a_cut_connection(settings, engine, tmp_path):
    ae_file = write_ae(tmp_path / "AE national.csv", [ae_row(str(i), 1, f"{i}0") for i in range(1, 120)])
    data = ae_file.read_bytes()
    assert len(data) > 3 * MORCEAU
    with s3_server() as endpoint:
        s3 = s3_settings(
            settings,
            endpoint,
            dossier_televersements=tmp_path / "televersements",
            envoi_morceau_mo=MORCEAU / 1024 / 1024,
            enrichissement_apres_import=False,  # no outside service in this test
        )
        bucket = s3.stockage_url.split("/")[2]
        with running_app(s3) as url, httpx.Client(base_url=url, timeout=10) as client:
            page = client.get("/televersement")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            headers = {csrf.HEADER: token}
            body = {
                "region": "53",
                "annee": "2023",
                "fichiers": [{"champ": "ae", "nom": ae_file.name, "taille": len(data)}],
            }
            sid = client.post("/televersement/envois", json=body, headers=headers).json()["id"]
            path = f"/televersement/envois/{sid}/ae"

            def put(offset: int) -> httpx.Response:
                return client.put(
                    path,
                    content=data[offset : offset + MORCEAU],
                    headers=headers | {"Upload-Offset": str(offset)},
                )

            assert put(0).json()["recu"] == MORCEAU
            _cut_mid_chunk(
                url, path, client.cookies[csrf.COOKIE], token, MORCEAU, data[MORCEAU : 2 * MORCEAU]
            )
            resume = client.get(f"/televersement/envois/{sid}").json()["fichiers"][0]["recu"]
            assert resume == MORCEAU  # half a chunk is no chunk
            chunks = [k for k in objects(endpoint, bucket, f"instance-a/televersements/sessions/{sid}/ae/")]
            assert len(chunks) == 1
            offset = resume
            while offset < len(data):
                offset = put(offset).json()["recu"]
            started = time.monotonic()
            done = client.post(f"/televersement/envois/{sid}/terminer", headers=headers)
            assert done.status_code == 202 and done.headers["location"] == f"/televersement/envois/{sid}"
            deadline = started + 60
            # the in-server worker assembles in the background; the session names the import then
            while (job_id := client.get(done.headers["location"]).json()["tache"]) is None:
                assert time.monotonic() < deadline, "assemblage toujours en cours"
                time.sleep(0.1)
            while (state := client.get(f"/televersement/{job_id}/etat")).status_code != 286:
                assert time.monotonic() < deadline, "import toujours en cours"
                time.sleep(0.1)
            assert "Import réussi" in state.text
        left = objects(endpoint, bucket, "instance-a/televersements/")
        assert not [k for k in left if "/ae/" in k]  # chunks and assembled file gone
    with engine.connect() as conn:
        job = taches.get(conn, job_id, DEVELOPMENT_USER)
    assert job.statut == taches.TERMINEE and job.resultat["importe"]
    (fichier,) = job.parametres["fichiers"]
    assert fichier["sha256"] == hashlib.sha256(data).hexdigest() and fichier["taille"] == len(data)
    assert job.resultat["totaux"]["lignes_importees"] == 119


def test_two_app_servers_share_the_upload_through_the_bucket(settings, engine, tmp_path):
    """Behind a load balancer, each chunk may reach another app server: two servers (each its own
    local folder, unused) share the S3 store; chunks alternate between them, the second assembles."""
    ae_file = write_ae(tmp_path / "AE.csv", [ae_row(str(i), 1, f"{i}0") for i in range(1, 60)])
    data = ae_file.read_bytes()
    with s3_server() as endpoint:
        common = s3_settings(
            settings, endpoint, envoi_morceau_mo=MORCEAU / 1024 / 1024, taches_dans_le_serveur=False
        )
        one = common.model_copy(update={"dossier_televersements": tmp_path / "un"})
        two = common.model_copy(update={"dossier_televersements": tmp_path / "deux"})
        with (
            running_app(one) as url1,
            running_app(two) as url2,
            httpx.Client(base_url=url1, timeout=10) as c1,
            httpx.Client(base_url=url2, timeout=10) as c2,
        ):
            token = re.search(r'name="csrf_token" value="([^"]+)"', c1.get("/televersement").text).group(1)
            c2.cookies.set(csrf.COOKIE, token)
            headers = {csrf.HEADER: token}
            body = {
                "region": "53",
                "annee": "2023",
                "fichiers": [{"champ": "ae", "nom": "AE.csv", "taille": len(data)}],
            }
            sid = c1.post("/televersement/envois", json=body, headers=headers).json()["id"]
            offset, clients = 0, [c1, c2]
            while offset < len(data):
                client = clients[(offset // MORCEAU) % 2]
                answer = client.put(
                    f"/televersement/envois/{sid}/ae",
                    content=data[offset : offset + MORCEAU],
                    headers=headers | {"Upload-Offset": str(offset)},
                )
                assert answer.status_code == 200, answer.text
                offset = answer.json()["recu"]
            assert c1.get(f"/televersement/envois/{sid}").json()["fichiers"][0]["recu"] == len(data)
            done = c2.post(f"/televersement/envois/{sid}/terminer", headers=headers)
            assert done.status_code == 202 and done.json()["tache"] is None
            # a separate worker (`dataetat worker`) assembles, then imports
            assert run_pending(engine, stockage.espaces(common)) == 2
            job_id = c1.get(f"/televersement/envois/{sid}").json()["tache"]
        assert not (tmp_path / "un").exists() and not (tmp_path / "deux").exists()
    with engine.connect() as conn:
        job = taches.get(conn, job_id, DEVELOPMENT_USER)
    assert job.statut == taches.TERMINEE and job.resultat["totaux"]["lignes_importees"] == 59
    assert job.parametres["fichiers"][0]["sha256"] == hashlib.sha256(data).hexdigest()
