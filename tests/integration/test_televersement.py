"""The upload page « Charger les données »: CSRF-protected form, the import run as a job by the real
importer, its report (totals, errors by line and column), nothing written on refusal, the
region-scoped history; on both databases."""

import re
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.conftest import TEST_DATA
from tests.factories import ae_row, cp_row, snapshot, write_ae, write_cp

from dataetat.jobs import imports as import_jobs
from dataetat.jobs.execution import run_pending
from dataetat.store import taches
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER

BAD = TEST_DATA / "chorus" / "ae_montants_dates_invalides.csv"


@pytest.fixture
def app_settings(settings, engine, tmp_path):
    return settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})


def _token(client: TestClient) -> str:
    page = client.get("/televersement")
    assert page.status_code == 200
    assert client.cookies.get(csrf.COOKIE)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _send(client: TestClient, files: dict, **fields) -> int:
    """POST the form with its token; returns the job id (the 303 goes to its page)."""
    data = {csrf.FIELD: _token(client), "region": "53", **fields}
    sent = {f"fichier_{k}": (p.name, p.read_bytes(), "text/csv") for k, p in files.items()}
    response = client.post("/televersement", data=data, files=sent, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _wait(client: TestClient, job_id: int, seconds: float = 60) -> str:
    """Poll the fragment as htmx does until it answers 286 (job over); returns the report HTML."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(f"/televersement/{job_id}/etat")
        if response.status_code == 286:
            return response.text
        assert response.status_code == 200
        time.sleep(0.05)
    raise AssertionError("import toujours en cours")


def _job(engine, job_id: int) -> taches.Tache:
    with engine.connect() as conn:
        return taches.get(conn, job_id, DEVELOPMENT_USER)


def test_post_without_a_matching_token_is_refused(app_settings, engine, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])
    with TestClient(create_app(app_settings)) as client:
        files = {"fichier_ae": ("ae.csv", ae.read_bytes(), "text/csv")}
        without_cookie = client.post("/televersement", data={"region": "53"}, files=files)
        assert without_cookie.status_code == 403
        assert "jeton de sécurité" in without_cookie.text
        _token(client)
        wrong = client.post("/televersement", data={"region": "53", csrf.FIELD: "x" * 43}, files=files)
        assert wrong.status_code == 403 and "Rechargez la page" in wrong.text
    with engine.connect() as conn:
        assert taches.list_of(conn, DEVELOPMENT_USER, import_jobs.TYPE) == []
    assert not list((tmp_path / "televersements").glob("*/*"))


def test_cookie_is_httponly_and_strict(app_settings):
    with TestClient(create_app(app_settings)) as client:
        header = client.get("/televersement").headers["set-cookie"].lower()
        assert "httponly" in header and "samesite=strict" in header


def test_good_pair_is_imported_with_its_report(app_settings, engine, tmp_path):
    rows = [ae_row(str(i), 1, f'"{100 * i},50"') for i in range(1, 6)]
    ae = write_ae(tmp_path / "engagements.csv", rows, exercice=2023)
    cp = write_cp(tmp_path / "paiements.csv", [cp_row("1", 1, "9", "40"), cp_row("2", 1, "10", '"60,25"')])
    with TestClient(create_app(app_settings)) as client:
        job_id = _send(client, {"ae": ae, "cp": cp})
        page = client.get(f"/televersement/{job_id}")
        assert page.status_code == 200 and f"Import n° {job_id}" in page.text
        html = _wait(client, job_id)
        assert "Import réussi" in html and "engagements.csv" in html and "paiements.csv" in html
        job = _job(engine, job_id)
        assert job.statut == taches.TERMINEE and job.progression == 7
        report = job.resultat
        assert report["importe"] is True
        assert report["totaux"] == {
            "lignes_lues": 7,
            "lignes_importees": 7,
            "lignes_rejetees": 0,
            "somme_ae": pytest.approx(1502.5),
            "somme_cp": pytest.approx(100.25),
            "erreurs": 0,
        }
        by_name = {f["fichier"]: f for f in report["fichiers"]}
        assert by_name["engagements.csv"]["type"] == "ae" and by_name["paiements.csv"]["type"] == "cp"
        assert by_name["engagements.csv"]["exercice"] == 2023
        assert len(by_name["engagements.csv"]["sha256"]) == 64
        history = client.get("/televersement").text
        assert "engagements.csv" in history and "paiements.csv" in history
        assert "1\u202f502,50\u202f€" in history
    with engine.connect() as conn:
        total_ae = conn.execute(sa.text("SELECT SUM(montant_ae) FROM ligne")).scalar()
        assert float(total_ae) == pytest.approx(1502.5)
    assert not list((tmp_path / "televersements").rglob("*.csv"))  # uploads removed once imported


def test_bad_file_is_refused_with_line_and_column_and_nothing_written(app_settings, engine, tmp_path):
    before = snapshot(engine)
    with TestClient(create_app(app_settings)) as client:
        job_id = _send(client, {"ae": BAD})
        html = _wait(client, job_id)
        assert "Import refusé" in html and "la base n'a pas été modifiée" in html
        assert "ae_montants_dates_invalides.csv" in html and "Montant illisible" in html
    report = _job(engine, job_id).resultat
    assert report["importe"] is False
    (fichier,) = report["fichiers"]
    triples = {(e["ligne"], e["colonne"], e["code"]) for e in fichier["erreurs"]}
    assert (12, "Montant (EUR)", "montant-invalide") in triples
    assert (14, "Date de réplication", "date-invalide") in triples
    assert all(e["message"] for e in fichier["erreurs"])
    assert snapshot(engine) == before


def test_keep_valid_lines_and_download_the_rejected_ones(app_settings, engine):
    with TestClient(create_app(app_settings)) as client:
        job_id = _send(client, {"ae": BAD}, garder_valides="oui")
        html = _wait(client, job_id)
        assert "Import réussi" in html and "lignes-ecartees.csv" in html
        report = _job(engine, job_id).resultat
        assert report["importe"] is True
        assert (report["totaux"]["lignes_importees"], report["totaux"]["lignes_rejetees"]) == (3, 4)
        rejects = client.get(f"/televersement/{job_id}/lignes-ecartees.csv")
        assert rejects.status_code == 200 and "ae_montants_dates_invalides.csv;12;" in rejects.content.decode(
            "utf-8-sig"
        )


def test_not_a_text_file_reaches_the_report(app_settings, engine):
    with TestClient(create_app(app_settings)) as client:
        job_id = _send(client, {"ae": TEST_DATA / "chorus" / "document_pdf.csv"})
        html = _wait(client, job_id)
    assert "n&#39;est pas un fichier texte" in html or "n'est pas un fichier texte" in html
    (fichier,) = _job(engine, job_id).resultat["fichiers"]
    assert [e["code"] for e in fichier["erreurs"]] == ["fichier-non-texte"]


def test_form_errors_are_french_400(app_settings, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])
    with TestClient(create_app(app_settings)) as client:
        token = _token(client)
        nothing = client.post("/televersement", data={csrf.FIELD: token, "region": "53"})
        assert nothing.status_code == 400 and "Choisissez au moins un fichier" in nothing.text
        files = {"fichier_ae": ("ae.csv", ae.read_bytes(), "text/csv")}
        no_region = client.post("/televersement", data={csrf.FIELD: token}, files=files)
        assert no_region.status_code == 400 and "Choisissez la région" in no_region.text
        bad_year = client.post(
            "/televersement", data={csrf.FIELD: token, "region": "53", "annee": "20x3"}, files=files
        )
        assert bad_year.status_code == 400 and "Exercice « 20x3 » invalide" in bad_year.text


def test_upload_beyond_the_size_limit_is_refused(app_settings, tmp_path):
    big = tmp_path / "gros.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 10))
    with TestClient(create_app(app_settings.model_copy(update={"televersement_taille_max_mo": 1}))) as client:
        token = _token(client)
        files = {"fichier_ae": ("gros.csv", big.read_bytes(), "text/csv")}
        refused = client.post("/televersement", data={csrf.FIELD: token, "region": "53"}, files=files)
    assert refused.status_code == 413 and "trop volumineux" in refused.text and "1 Mo" in refused.text
    assert not list((tmp_path / "televersements").rglob("gros.csv"))


def test_regional_identity_uploads_for_its_region_and_sees_its_history(app_settings, engine, tmp_path):
    other = write_ae(tmp_path / "bretagne-voisine.csv", [ae_row("77", 1, "5")])
    assert import_chorus(engine, [other], ImportOptions(region="52")).written
    ae = write_ae(tmp_path / "mes-engagements.csv", [ae_row("1", 1, "100")])
    regional = app_settings.model_copy(update={"region_developpement": "53"})
    with TestClient(create_app(regional)) as client:
        form = client.get("/televersement").text
        assert 'name="region"' not in form and "celle de votre compte" in form
        assert "bretagne-voisine.csv" not in form  # région 52: not this identity's
        job_id = _send(client, {"ae": ae}, region="52")  # ignored: the identity's région wins
        assert "Import réussi" in _wait(client, job_id)
        assert "mes-engagements.csv" in client.get("/televersement").text
    (fichier,) = _job(engine, job_id).resultat["fichiers"]
    assert fichier["regions"] == "53"


def test_unknown_job_is_a_404(app_settings):
    with TestClient(create_app(app_settings)) as client:
        assert client.get("/televersement/424242").status_code == 404
        assert client.get("/televersement/424242/lignes-ecartees.csv").status_code == 404


def test_page_polls_while_the_job_waits_then_stops(app_settings, engine, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100")])
    with TestClient(create_app(app_settings.model_copy(update={"taches_dans_le_serveur": False}))) as client:
        job_id = _send(client, {"ae": ae})
        page = client.get(f"/televersement/{job_id}").text
        assert 'hx-trigger="every 1s"' in page and "En attente" in page
        assert client.get(f"/televersement/{job_id}/etat").status_code == 200
        assert run_pending(engine, app_settings.dossier_exports) == 1
        done = client.get(f"/televersement/{job_id}/etat")
        assert done.status_code == 286 and "Import réussi" in done.text and 'hx-swap-oob="true"' in done.text
        assert 'hx-trigger="every 1s"' not in client.get(f"/televersement/{job_id}").text
