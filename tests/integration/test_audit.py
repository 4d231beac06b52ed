"""The audit log: imports (upload page and command line), exports (direct and jobs) and referential
loads each write one event with their figures; the ADMIN page filters it and exports it as CSV;
anyone else is refused. On both databases."""

import csv
import hashlib
import io
import re
import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from tests.conftest import TEST_DATA
from tests.factories import ae_row, cp_row, write_ae, write_cp
from typer.testing import CliRunner

from dataetat.cli import app as cli_app
from dataetat.jobs.execution import run_pending
from dataetat.store import audit
from dataetat.store.chorus_import import ImportOptions, import_chorus
from dataetat.web import csrf
from dataetat.web.app import create_app
from dataetat.web.deps import DEVELOPMENT_USER, Identity, identity


def _events(engine, **filters) -> list[audit.Evenement]:
    with engine.connect() as conn:
        return audit.search(conn, audit.Filtres(**filters), 1000)


def _token(client: TestClient, page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text).group(1)


def _wait_import(client: TestClient, job_id: int) -> None:
    deadline = time.monotonic() + 60
    while client.get(f"/televersement/{job_id}/etat").status_code != 286:
        assert time.monotonic() < deadline, "import toujours en cours"
        time.sleep(0.05)


def test_upload_records_one_import_event(settings, engine, tmp_path):
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "100.50"), ae_row("2", 1, "20")], exercice=2023)
    cp = write_cp(tmp_path / "cp.csv", [cp_row("1", 1, "7", "40")], exercice=2023)
    app_settings = settings.model_copy(update={"dossier_televersements": tmp_path / "televersements"})
    with TestClient(create_app(app_settings)) as client:
        files = {f"fichier_{k}": (p.name, p.read_bytes(), "text/csv") for k, p in (("ae", ae), ("cp", cp))}
        data = {csrf.FIELD: _token(client, "/televersement"), "region": "53"}
        sent = client.post("/televersement", data=data, files=files, follow_redirects=False)
        assert sent.status_code == 303, sent.text
        _wait_import(client, int(sent.headers["location"].rsplit("/", 1)[1]))
        bad = TEST_DATA / "chorus" / "ae_montants_dates_invalides.csv"
        data = {csrf.FIELD: _token(client, "/televersement"), "region": "53"}
        files = {"fichier_ae": (bad.name, bad.read_bytes(), "text/csv")}
        refused = client.post("/televersement", data=data, files=files, follow_redirects=False)
        _wait_import(client, int(refused.headers["location"].rsplit("/", 1)[1]))
    refused_event, event = _events(engine, action="import")
    assert (event.qui, event.resultat) == (DEVELOPMENT_USER, audit.OK)
    by_name = {f["nom"]: f for f in event.details["fichiers"]}
    assert by_name["ae.csv"]["sha256"] == hashlib.sha256(ae.read_bytes()).hexdigest()
    assert by_name["cp.csv"]["sha256"] == hashlib.sha256(cp.read_bytes()).hexdigest()
    assert (by_name["ae.csv"]["lignes"], by_name["cp.csv"]["lignes"]) == (2, 1)
    assert event.details["lignes"] == 3 and event.details["lignes_importees"] == 3
    assert event.details["somme_ae"] == pytest.approx(120.50)
    assert event.details["somme_cp"] == pytest.approx(40)
    assert event.details["region_fichiers"] == "53"
    assert refused_event.resultat == audit.REFUSE
    assert refused_event.details["fichiers"][0]["sha256"] == hashlib.sha256(bad.read_bytes()).hexdigest()


@pytest.fixture
def filled(engine, tmp_path):
    rows = [ae_row(str(i), 1, f"{10 * i}", programme="103") for i in range(1, 8)]
    assert import_chorus(engine, [write_ae(tmp_path / "ae.csv", rows)], ImportOptions(region="53")).written
    ae52 = write_ae(tmp_path / "ae52.csv", [ae_row("99", 1, "1000")])
    assert import_chorus(engine, [ae52], ImportOptions(region="52")).written
    return engine


def test_exports_record_their_search_and_line_count(settings, filled):
    app_settings = settings.model_copy(update={"region_developpement": "53", "taches_dans_le_serveur": False})
    with TestClient(create_app(app_settings)) as client:
        direct = client.get("/api/v1/exports/lignes.csv", params={"annee": "2023", "code_programme": "103"})
        assert direct.status_code == 200
        written = len(list(csv.reader(io.StringIO(direct.content.decode("utf-8-sig")), delimiter=";"))) - 1
        xlsx = client.get("/api/v1/exports/lignes.xlsx", params={"annee": "2023"})
        assert xlsx.status_code == 200
        queued = client.post("/api/v1/exports/lignes.ods", params={"annee": "2023"})
        assert queued.status_code == 202
        assert run_pending(filled, settings.dossier_exports) == 1
    job_event, xlsx_event, csv_event = _events(filled, action="export")
    assert written == 7
    assert csv_event.details == {
        "recherche": "annee=2023&code_programme=103",
        "format": "csv",
        "quoi": "lignes",
        "lignes": 7,
    }
    assert (csv_event.qui, csv_event.region, csv_event.resultat) == (DEVELOPMENT_USER, "53", audit.OK)
    assert (xlsx_event.details["format"], xlsx_event.details["lignes"]) == ("xlsx", 7)
    assert job_event.details["tache"] == queued.json()["id"]
    assert (job_event.details["format"], job_event.details["lignes"]) == ("ods", 7)


def test_cli_and_referentials_page_record_as_their_user(settings, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATAETAT_DATABASE_URL", settings.database_url)
    ae = write_ae(tmp_path / "ae.csv", [ae_row("1", 1, "10")])
    run = CliRunner().invoke(cli_app, ["import", "chorus", str(ae), "--region", "53"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    (event,) = _events(engine, action="import")
    assert (event.qui, event.resultat, event.details["lignes"]) == (audit.CLI, audit.OK, 1)
    assert event.details["fichiers"][0]["sha256"] == hashlib.sha256(ae.read_bytes()).hexdigest()
    with TestClient(create_app(settings)) as client:
        regions = TEST_DATA / "cog" / "2026" / "regions.csv"
        with regions.open("rb") as f:
            data = {csrf.FIELD: _token(client, "/referentiels"), "type": "regions"}
            assert (
                client.post("/referentiels", data=data, files={"fichier": ("regions.csv", f)}).status_code
                == 200
            )
    (loaded,) = _events(engine, action="referentiel")
    assert loaded.qui == DEVELOPMENT_USER and loaded.details["type"] == "regions"
    assert loaded.details["tables"]["region"] >= 18 and len(loaded.details["sha256"]) == 64


def _seed(engine) -> None:
    with engine.begin() as conn:
        audit.login(conn, "Agent@Region.fr", "53", quand=datetime(2024, 3, 1, 9, 0))
        audit.login_refused(
            conn, "=cmd|calc@x.fr", "mot de passe incorrect", quand=datetime(2024, 3, 2, 9, 0)
        )
        audit.logout(conn, "agent@region.fr", "53", quand=datetime(2024, 3, 3, 18, 0))
        audit.account_created(conn, "admin@x.fr", "nouveau@x.fr", "USERS", "52", quand=datetime(2024, 3, 4))
        audit.account_changed(
            conn, "admin@x.fr", "nouveau@x.fr", {"role": ["USERS", "COMPTABLE"]}, quand=datetime(2024, 3, 5)
        )
        audit.account_disabled(conn, "admin@x.fr", "nouveau@x.fr", quand=datetime(2024, 3, 6))
        for day in range(1, 61):  # enough for two pages
            audit.record(conn, "export", "lecteur@x.fr", region="52", quand=datetime(2024, 1, 1, 0, day - 1))


def test_admin_page_filters_pages_and_csv(settings, engine):
    _seed(engine)
    with TestClient(create_app(settings)) as client:
        page = client.get("/admin/audit")
        assert page.status_code == 200 and "66 événements" in page.text
        assert page.text.count("data-evenement=") == 50 and "Page suivante" in page.text
        assert client.get("/admin/audit?page=2").text.count("data-evenement=") == 16
        logins = client.get("/admin/audit", params={"action": "connexion"})
        assert logins.text.count("data-evenement=") == 1 and "agent@region.fr" in logins.text
        assert "<td>Connexion</td>" in logins.text
        march = client.get("/admin/audit", params={"du": "2024-03-02", "au": "2024-03-04", "qui": "x.fr"})
        assert march.text.count("data-evenement=") == 2  # the refused login and the account created
        assert "Compte créé" in march.text and "Connexion refusée" in march.text
        refused = client.get("/admin/audit", params={"resultat": "refuse"})
        assert refused.text.count("data-evenement=") == 1
        wrong = client.get("/admin/audit", params={"du": "hier", "action": "x"})
        assert (
            wrong.status_code == 400
            and "pas une date" in wrong.text
            and "Action « x » inconnue" in wrong.text
        )
        assert "/admin/audit.csv?action=connexion-refusee" in client.get(
            "/admin/audit", params={"action": "connexion-refusee"}
        ).text.replace("&amp;", "&")

        exported = client.get("/admin/audit.csv", params={"du": "2024-03-01"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert exported.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["Date et heure", "Qui", "Action"] and len(rows) == 1 + 6
        assert rows[1][2] == "Compte désactivé" and rows[1][0] == "2024-03-06 00:00:00"
        refused_row = next(r for r in rows if r[3] == "connexion-refusee")
        assert refused_row[1] == "'=cmd|calc@x.fr"  # a formula is neutralised
        assert "mot de passe incorrect" in refused_row[6]
        everything = client.get("/admin/audit.csv")
        assert everything.content.decode("utf-8-sig").count("\r\n") == 1 + 66
        assert client.get("/admin/audit.csv", params={"au": "demain"}).status_code == 400


@pytest.mark.parametrize("role", ["USERS", "COMPTABLE"])
def test_non_admin_is_refused(settings, engine, role):
    app = create_app(settings)
    app.dependency_overrides[identity] = lambda: Identity("u@x.fr", "53", role)
    with TestClient(app) as client:
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403


def test_record_refuses_unknown_codes(engine):
    with engine.begin() as conn, pytest.raises(ValueError):
        audit.record(conn, "inconnue", "x@x.fr")
    with engine.begin() as conn, pytest.raises(ValueError):
        audit.record(conn, "export", "x@x.fr", resultat="peut-etre")
